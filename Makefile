# Two commands do all set-up (venv, packages, toxiproxy build) and are safe to repeat:
#   make demo   run the smoke scenario on the embedded stack
#   make test   run the whole test suite (unit + integration on the real stack)
.PHONY: setup demo test lint selftest nightly certify clean

setup:
	@bash scripts/bootstrap.sh

demo: setup
	.venv/bin/harness run scenarios/smoke.yaml

test:
	@bash scripts/bootstrap.sh --with-browser
	.venv/bin/ruff check harness tests examples
	.venv/bin/pytest -p no:cacheprovider

lint: setup
	.venv/bin/ruff check harness tests examples

selftest: setup
	.venv/bin/harness selftest

nightly: setup
	.venv/bin/harness run scenarios/nightly

certify: setup
	.venv/bin/harness certify

clean:
	rm -rf reports/*/ reports/.stack .pytest_cache
