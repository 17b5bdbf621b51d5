"""The results.json contract (`harness.results/1`) and its validator.

Reports and CI read results.json written by other code paths (run, check, load); a
schema keeps them honest, and a report names what does not match instead of guessing.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

SCHEMA_ID = "harness.results/1"


@cache
def results_schema() -> dict[str, Any]:
    text = resources.files("harness.report").joinpath("results_schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def _validator() -> Draft202012Validator:
    schema = results_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def validate_results(data: Any) -> list[str]:
    """Problems with `data` as a results.json, one line each; empty when it is valid."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    problems = []
    for error in errors:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        problems.append(f"{where}: {error.message}")
    return problems
