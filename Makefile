# Two commands do all set-up (venv, packages, toxiproxy build) and are safe to repeat:
#   make demo   run the smoke scenario on the embedded stack
#   make test   run the whole test suite (unit + integration on the real stack)
.PHONY: setup cluster cluster-rounds demo test lint selftest nightly certify clean

setup:
	@bash scripts/bootstrap.sh

cluster: setup
	@bash scripts/build-temporal-cluster.sh

# Rounds of the README's suites against the cluster stack as an external cluster
# (docs/cluster.md): ROUNDS=3 make cluster-rounds
ROUNDS ?= 10
cluster-rounds: cluster
	@bash scripts/cluster-rounds.sh $(ROUNDS)

demo: setup
	.venv/bin/harness run scenarios/smoke.yaml

test:
	@bash scripts/bootstrap.sh --with-browser --with-cluster
	.venv/bin/ruff check harness tests examples
	.venv/bin/pytest -p no:cacheprovider --durations=20

lint: setup
	.venv/bin/ruff check harness tests examples

selftest: setup
	.venv/bin/harness selftest

# The fixed nightly scenarios, then a search seeded from the date (both run; the worse
# exit code wins). EXPLORE_BUDGET=2m make nightly for a shorter search.
EXPLORE_BUDGET ?= 10m
nightly: setup
	@status=0; \
	.venv/bin/harness run scenarios/nightly || status=$$?; \
	.venv/bin/harness explore scenarios/explore --budget $(EXPLORE_BUDGET) --seed-from-date \
	  || { code=$$?; [ $$code -gt $$status ] && status=$$code; }; \
	exit $$status

certify: setup
	.venv/bin/harness certify

clean:
	rm -rf reports/*/ reports/.stack .pytest_cache
