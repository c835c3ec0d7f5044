"""YAML with line numbers, so every error can name FILE:LINE.

PyYAML's composer keeps a mark (line, column) on every node; we walk the node
tree once and remember the line of each path (``("obligations", 2, "binds")``).
Validation errors from pydantic carry the same kind of path in ``loc``, so an
error anywhere in a document maps back to the line a person has to edit.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import ValidationError

from trucewatch.domain.base import DomainModel
from trucewatch.errors import InputError, Problem

PathKey = tuple[str | int, ...]
Model = TypeVar("Model", bound=DomainModel)


# libyaml's parser when PyYAML has it (its wheels do): the actor registry, read by
# every command, parses about ten times faster; nodes carry the same line marks.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that leaves dates and times as text.

    PyYAML would turn ``2016-13-01`` into a crash and ``2016-09-12T19:00+03:00``
    into its own datetime; leaving them as strings lets the domain model parse
    them and report a bad date at its line like any other error.
    """


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class LineMap:
    """Line numbers (1-based) of every mapping key and sequence item in a document."""

    def __init__(self, lines: dict[PathKey, int]) -> None:
        self._lines = lines

    def line_of(self, path: PathKey) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        key = tuple(path)
        while key:
            if key in self._lines:
                return self._lines[key]
            key = key[:-1]
        return self._lines.get((), None)

    @classmethod
    def of_node(cls, node: yaml.Node) -> LineMap:
        """Build the map from a composed YAML node tree."""
        lines: dict[PathKey, int] = {(): node.start_mark.line + 1}

        def walk(n: yaml.Node, path: PathKey) -> None:
            if isinstance(n, yaml.MappingNode):
                for key_node, value_node in n.value:
                    key = (*path, str(key_node.value))
                    lines[key] = key_node.start_mark.line + 1
                    walk(value_node, key)
            elif isinstance(n, yaml.SequenceNode):
                for i, item in enumerate(n.value):
                    lines[(*path, i)] = item.start_mark.line + 1
                    walk(item, (*path, i))

        walk(node, ())
        return cls(lines)


def load_yaml(path: Path | str) -> tuple[Any, LineMap]:
    """Read a YAML file into plain data plus its line map; syntax errors name the line."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError([Problem(str(p), None, "file not found", "check the path")]) from None
    except UnicodeDecodeError as e:
        raise InputError(
            [Problem(str(p), None, f"not UTF-8 text ({e.reason})", "save the file as UTF-8")]
        ) from None
    return parse_yaml(text, str(p))


def parse_yaml(text: str, name: str) -> tuple[Any, LineMap]:
    """Parse YAML text (named ``name`` in messages) into data plus its line map."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        line = mark.line + 1 if mark is not None else None
        problem = e.problem or "invalid YAML"
        raise InputError(
            [Problem(name, line, f"YAML syntax error: {problem}", "fix the indentation or quoting")]
        ) from None
    except yaml.YAMLError as e:
        raise InputError([Problem(name, None, f"YAML error: {e}")]) from None
    if node is None:
        raise InputError([Problem(name, 1, "the file is empty", "see the examples in docs/")])
    return data, LineMap.of_node(node)


def problems_from_validation(
    error: ValidationError, name: str, lines: LineMap, prefix: PathKey = ()
) -> list[Problem]:
    """Turn pydantic's errors into Problems at the right lines, in plain words."""
    problems = []
    for err in error.errors():
        loc = prefix + tuple(
            p for p in err["loc"] if not (isinstance(p, str) and p in {"event", "commitment"})
        )
        field = ".".join(str(p) for p in loc) or "(document)"
        problems.append(
            Problem(name, lines.line_of(loc), f"{field}: {_plain(err)}", _hint(err), field)
        )
    return problems


def _plain(err: Any) -> str:
    kind = err["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "greater_than_equal" and err.get("ctx", {}).get("ge") == 0:
        return f"{err['input']} is negative"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def _hint(err: Any) -> str | None:
    kind = err["type"]
    if kind == "missing":
        return "add it"
    if kind == "extra_forbidden":
        return "remove it or check its spelling against the JSON Schema"
    if kind.startswith("date") or kind.startswith("datetime"):
        return "write dates as YYYY-MM-DD and times as YYYY-MM-DDTHH:MM+HH:MM"
    if kind == "greater_than_equal" and err.get("ctx", {}).get("ge") == 0:
        return "a count cannot be below zero: give 0 or the number the source states"
    if kind == "string_pattern_mismatch":
        return "ids are lower-case letters, digits and hyphens, e.g. east-aleppo"
    return None


def list_under(data: Any, key: str, name: str, lines: LineMap) -> tuple[list[Any], list[Problem]]:
    """The list under the one top-level ``key``, and problems with the file's shape."""
    hint = f"the file is one top-level key, {key}:, holding a list"
    if not isinstance(data, dict):
        return [], [Problem(name, 1, f"expected a top-level {key}: list", hint)]
    problems = [
        Problem(name, lines.line_of((str(k),)), f"unknown top-level key {k!r}", hint, str(k))
        for k in data
        if k != key
    ]
    items = data.get(key)
    if items is None and key not in data:
        problems.append(Problem(name, 1, f"missing top-level key {key}:", hint, key))
        return [], problems
    if items is None:
        return [], problems  # `claims:` with nothing under it: an empty list
    if not isinstance(items, list):
        problems.append(Problem(name, lines.line_of((key,)), f"{key}: should be a list", hint, key))
        return [], problems
    return items, problems


def numbers_as_text(item: Any, fields: tuple[str, ...]) -> Any:
    """``item`` with bare YAML integers in ``fields`` turned back into the text written."""
    if not isinstance(item, dict):
        return item
    numbers = {
        f: str(item[f])
        for f in fields
        if isinstance(item.get(f), int) and not isinstance(item.get(f), bool)
    }
    return {**item, **numbers} if numbers else item


def validate_items(
    model: type[Model],
    items: list[Any],
    key: str,
    name: str,
    lines: LineMap,
    problems: list[Problem],
    check: Callable[[int, dict[str, Any]], None] | None = None,
) -> list[Model]:
    """Validate every item, recording problems, duplicate ids and ``check``'s findings."""
    valid: list[Model] = []
    first_line_of: dict[str, int | None] = {}
    for i, item in enumerate(items):
        try:
            valid.append(model.model_validate(item))
        except ValidationError as e:
            problems.extend(problems_from_validation(e, name, lines, prefix=(key, i)))
        if not isinstance(item, dict):
            continue
        item_id = item.get("id")
        if isinstance(item_id, str):
            line = lines.line_of((key, i, "id"))
            first = first_line_of.setdefault(item_id, line)
            if first != line:
                problems.append(
                    Problem(
                        name,
                        line,
                        f"{key}.{i}.id: {item_id!r} is also used on line {first}",
                        "give every entry a unique id",
                        f"{key}.{i}.id",
                    )
                )
        if check is not None:
            check(i, item)
    return valid


def in_file_order(problems: list[Problem]) -> list[Problem]:
    """Problems in file order, so the user can work down the file."""
    return sorted(problems, key=lambda p: p.line or 0)
