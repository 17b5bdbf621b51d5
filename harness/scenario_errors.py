"""How a bad scenario becomes one plain line: `file:line: field.path: what was wrong`.

The text is composed into PyYAML nodes (which keep their source marks), pydantic's error
locations (``("workloads", 0, "count")``) are explained in plain words, and each is walked
back down the node tree to the deepest node that exists, so a missing field points at its
parent mapping. Catalog-dependent parts (params, fault specs, check options) report their
inner errors as one "nested" error that `explain` unfolds again.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError, ValidationInfo
from pydantic_core import ErrorDetails, PydanticCustomError

from harness.catalog import Catalog, default_catalog
from harness.errors import ScenarioError

# A location inside the scenario data, as pydantic reports it: ("workloads", 0, "count").
Loc = tuple[str | int, ...]
# An explained problem: where (relative to some root) and what, in plain words.
Problem = tuple[Loc, str]

_DURATION_HINT = "expected a duration like '500ms', '2s', '1m30s'"
_CUSTOM = "scenario"
_NESTED = "scenario_nested"
_MERGE_TAG = "tag:yaml.org,2002:merge"




# ---------------------------------------------------------------------------------------------
# Helpers shared by the validators


def show(value: Any) -> str:
    """Render a bad input the way the user wrote it in YAML, short enough for one line."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, "g")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return repr(text)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def known_names(names: Iterable[str]) -> str:
    listed = ", ".join(sorted(names))
    return listed or "none"


def suggest(value: Any, names: Iterable[str]) -> str:
    """A "did you mean" suffix, because most unknown names are typos of a known one."""
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, list(names), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def unknown_name(kind: str, value: Any, names: Iterable[str]) -> str:
    names = list(names)
    return f"unknown {kind} {show(value)} (known: {known_names(names)}){suggest(value, names)}"


def custom_error(message: str) -> PydanticCustomError:
    """A pydantic error with our own wording (passed through a placeholder, so braces in user
    input cannot break pydantic's template formatting)."""
    return PydanticCustomError(_CUSTOM, "{message}", {"message": message})


def nested_error(problems: list[Problem], up: int = 0) -> PydanticCustomError:
    """Carry already-explained problems (with sub-locations) out of a validator.

    Validators cannot raise errors at deeper locations than their own field, so the problems
    travel in the error context and `explain` re-attaches them under the field's location,
    first dropping `up` trailing parts (check options live beside `name`, not under
    `options`, in the YAML).
    """
    loc, message = problems[0]
    summary = f"{format_path(loc)}: {message}" if loc else message
    return PydanticCustomError(
        _NESTED, "{summary}", {"summary": summary, "problems": problems, "up": up}
    )


def catalog_of(info: ValidationInfo) -> Catalog:
    """The catalog passed in the validation context; the real one when validating directly."""
    context = info.context if isinstance(info.context, Mapping) else {}
    catalog = context.get("catalog")
    return catalog if isinstance(catalog, Catalog) else default_catalog()


def validate_against(model: type[BaseModel], data: Any) -> tuple[BaseModel | None, list[Problem]]:
    """Validate catalog-provided data and explain the errors relative to that data.

    Catalog models are written by other modules; if one forgets ``extra="forbid"``, a typo in
    a param would be silently ignored and the run would test something else than intended, so
    unknown keys are rejected here regardless.
    """
    problems: list[Problem] = []
    if isinstance(data, Mapping) and model.model_config.get("extra") not in ("forbid", "allow"):
        allowed = field_names(model)
        for key in data:
            if key not in allowed:
                problems.append(((key,), _unknown_field(key, allowed)))
    try:
        instance = model.model_validate(data)
    except ValidationError as exc:
        return None, problems + explain(exc.errors(include_url=False), model)
    return (None, problems) if problems else (instance, [])


# ---------------------------------------------------------------------------------------------
# Turning pydantic errors into plain words


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and Optional[...] so the model inside can be inspected."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [arg for arg in get_args(annotation) if arg is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def field_names(model: type[BaseModel]) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()]


def _model_at(root: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """Which model sits at `loc` below `root` (to list its fields for "unknown field")."""
    current: Any = root
    for part in loc:
        current = _unwrap(current)
        if _is_model(current):
            fields = {info.alias or name: info for name, info in current.model_fields.items()}
            if part not in fields:
                return None
            current = fields[part].annotation
        elif get_origin(current) is list and isinstance(part, int):
            current = get_args(current)[0]
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        else:
            return None
    current = _unwrap(current)
    return current if _is_model(current) else None


def _unknown_field(key: Any, allowed: Sequence[str]) -> str:
    return f"unknown field (allowed: {', '.join(allowed) or 'none'}){suggest(key, allowed)}"


_BOUNDS = {
    "greater_than_equal": ("ge", ">="),
    "greater_than": ("gt", ">"),
    "less_than_equal": ("le", "<="),
    "less_than": ("lt", "<"),
}
_EXPECTED = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "dict_type": "a mapping",
    "list_type": "a list",
}


def _items(count: Any) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def explain(errors: Iterable[ErrorDetails], root: type[BaseModel]) -> list[Problem]:
    """Plain-words problems for pydantic errors, with locations relative to `root`."""
    problems: list[Problem] = []
    for error in errors:
        loc: Loc = tuple(error["loc"])
        kind = error["type"]
        ctx: dict[str, Any] = dict(error.get("ctx") or {})
        got = show(error.get("input"))
        if kind == _NESTED:
            base = loc[: len(loc) - ctx["up"]] if ctx["up"] else loc
            problems.extend((base + sub, message) for sub, message in ctx["problems"])
            continue
        if kind == "missing":
            message = "field required"
        elif kind == "extra_forbidden":
            model = _model_at(root, loc[:-1])
            allowed = field_names(model) if model is not None else []
            message = _unknown_field(loc[-1], allowed)
        elif kind in _BOUNDS:
            key, symbol = _BOUNDS[kind]
            message = f"must be {symbol} {show(ctx.get(key))} (got {got})"
        elif kind in _EXPECTED:
            message = f"expected {_EXPECTED[kind]}, got {got}"
            if kind == "string_type" and isinstance(error.get("input"), int | float):
                message += " (quote it to use it as text)"
        elif kind in ("literal_error", "enum"):
            message = f"expected {ctx.get('expected')}, got {got}"
        elif kind == "too_short":
            message = f"must have at least {_items(ctx.get('min_length'))}"
        elif kind == "too_long":
            message = f"must have at most {_items(ctx.get('max_length'))}"
        elif kind == "string_too_short":
            message = "must not be empty"
        elif kind == "string_pattern_mismatch":
            message = f"must match {ctx.get('pattern')} (got {got})"
        elif kind == "finite_number":
            message = f"must be a finite number (got {got})"
        elif kind == "invalid_key":
            message = f"keys must be strings, got {got}"
        elif kind in ("value_error", "assertion_error"):
            message = str(ctx.get("error", error["msg"]))
        elif kind == _CUSTOM:
            message = error["msg"]
        else:
            message = f"{error['msg']} (got {got})"
        problems.append((loc, message))
    return problems


def format_path(loc: Loc) -> str:
    """``("workloads", 0, "count")`` -> ``workloads[0].count``."""
    return _join_path("", loc)


def _join_path(path: str, loc: Loc) -> str:
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":  # pydantic's marker for "the key itself" in dict errors
            continue
        else:
            path += f".{part}" if path else str(part)
    return path


# ---------------------------------------------------------------------------------------------
# YAML nodes: where each value was written


def locate(root: yaml.Node, loc: Loc) -> tuple[int, str]:
    """The 1-based line and the display path of `loc` in the document.

    The line is that of the deepest node on `loc` that exists: a value found under a mapping
    key reports the key's line (where the user looks, even when the value is a block starting
    below), and a missing field reports its parent. Walking the nodes also tells mapping keys
    from list indexes, which pydantic's loc cannot (a key ``1:`` and item ``[1]`` are both 1).
    """
    node: yaml.Node = root
    marker: yaml.Node = root
    path = ""
    for depth, part in enumerate(loc):
        if isinstance(node, yaml.MappingNode):
            found = None
            for key, value in node.value:  # the last duplicate wins, as in construction
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    found = (key, value)
            if found is None:
                return marker.start_mark.line + 1, _join_path(path, loc[depth:])
            marker, node = found
            path = f"{path}.{found[0].value}" if path else str(found[0].value)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                return marker.start_mark.line + 1, _join_path(path, loc[depth:])
            node = marker = node.value[part]
            path += f"[{part}]"
        else:
            return marker.start_mark.line + 1, _join_path(path, loc[depth:])
    return marker.start_mark.line + 1, path


def _duplicate_keys(root: yaml.Node) -> list[tuple[int, Loc, str]]:
    """Keys given twice in one mapping.

    PyYAML silently keeps the last one, so a scenario with two ``deadline:`` lines would run
    with whichever came last; that is never what the author meant. Checked on the composed
    tree, before merge keys (``<<``) are expanded, so merges do not count as duplicates.
    """
    found: list[tuple[int, Loc, str]] = []
    seen: set[int] = set()

    def walk(node: yaml.Node, loc: Loc) -> None:
        if id(node) in seen:  # aliases may share (or even recursively contain) nodes
            return
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != _MERGE_TAG:
                    line = key.start_mark.line + 1
                    if key.value in first:
                        message = f"duplicate key (first given on line {first[key.value]})"
                        found.append((line, (*loc, key.value), message))
                    else:
                        first[key.value] = line
                    walk(value, (*loc, key.value))
                else:
                    walk(value, loc)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*loc, index))

    walk(root, ())
    return found


def one_line(text: str) -> str:
    return " ".join(str(text).split())


class _Loader(yaml.SafeLoader):
    """SafeLoader that gives a position to values PyYAML fails to build.

    A timestamp-looking value that is not a real date (``2024-13-45``) makes PyYAML raise a
    bare ValueError with no line; re-raising it as a marked error lets it be reported like any
    other YAML problem, with line and column.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read value {show(node.value)}: {exc}", node.start_mark
            ) from exc


def compose(text: str, label: str) -> tuple[yaml.Node, Any, list[tuple[int, Loc, str]]]:
    """Parse YAML into (node tree, plain data, duplicate keys), or raise ScenarioError."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise ScenarioError(
                f"{label}:1: the file has no content; expected a scenario mapping with at "
                "least 'name' and 'workloads'"
            )
        duplicates = _duplicate_keys(root)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark is not None else "1"
        problem = one_line(exc.problem or "")
        context = one_line(exc.context or "")
        if context and problem.startswith("but "):  # "expected X, but found Y"
            problem = f"{context}, {problem}"
        elif context:
            problem = f"{problem} ({context})" if problem else context
        raise ScenarioError(f"{label}:{where}: YAML syntax error: {problem}") from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise ScenarioError(f"{label}:{line}: YAML syntax error: {one_line(str(exc))}") from None
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        raise ScenarioError(f"{label}:1: YAML error: {one_line(str(exc))}") from None
    finally:
        loader.dispose()
    return root, data, duplicates
