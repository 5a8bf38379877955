"""Reading questionnaire YAML safely (YAML 1.2 booleans, no aliases) with the line of every
path, and pydantic's errors as messages that name the place."""

from __future__ import annotations

import difflib
import re
from typing import Any

import yaml
from pydantic_core import ErrorDetails

from app.questionnaires.problems import Path_
from app.questionnaires.schema import (
    CONDITION_KEYS,
)


class Yaml12Loader(yaml.SafeLoader):
    """YAML 1.2 booleans: only true/false. In YAML 1.1, `yes`, `no`, `on` and `off` are booleans,
    which would silently turn the answers yes/no into True/False."""


Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


class AliasFound(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


def refuse_aliases(root: yaml.Node) -> None:
    """Questionnaires need no anchors or aliases; refusing them also rules out cycles."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise AliasFound(node.start_mark.line + 1)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def line_map(
    node: yaml.Node, path: Path_, lines: dict[Path_, int], dups: list[tuple[Path_, int]]
) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                dups.append((path + (key,), key_node.start_mark.line + 1))
            seen.add(key)
            lines[path + (key,)] = key_node.start_mark.line + 1
            line_map(value_node, path + (key,), lines, dups)
            lines[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            line_map(item, path + (index,), lines, dups)


def line_for(lines: dict[Path_, int], path: Path_) -> int | None:
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def pydantic_path(loc: tuple[Any, ...]) -> Path_:
    """Drop the tags that pydantic adds for tagged unions (a condition key repeated)."""
    out: list[str | int] = []
    items = list(loc)
    i = 0
    while i < len(items):
        part = items[i]
        if (
            isinstance(part, str)
            and part in CONDITION_KEYS
            and i + 1 < len(items)
            and items[i + 1] == part
        ):
            i += 1
            continue
        if isinstance(part, str) and (
            part.startswith("tagged-union") or part.startswith("function-")
        ):
            i += 1
            continue
        out.append(part)
        i += 1
    return tuple(out)


def pydantic_message(err: ErrorDetails, path: Path_) -> str:
    kind = err["type"]
    if kind == "missing" and path and path[-1] in ("nl", "en"):
        return f"missing translation ({path[-1]})"
    if kind == "missing":
        return f"'{path[-1] if path else ''}' is required"
    if kind == "extra_forbidden":
        return f"unknown field '{path[-1] if path else ''}'"
    if kind.startswith("float") or kind.startswith("int"):
        return f"{_shown(err.get('input'))} is not a number ({err['msg']})"
    if kind == "string_pattern_mismatch":
        pattern = (err.get("ctx") or {}).get("pattern", "")
        return f"'{err.get('input')}' does not have the required form (pattern {pattern})"
    if kind in ("enum", "literal_error"):
        return _not_one_of(err, path)
    if kind == "unknown_condition":
        return _not_a_condition(err.get("input"))
    return str(err["msg"]).removeprefix("Value error, ")


def _not_a_condition(given: object) -> str:
    """ "'equal' is not a condition; use one of all, any, … (did you mean 'equals'?)"."""
    from app.questionnaires.schema import CONDITION_KEYS

    allowed = ", ".join(CONDITION_KEYS)
    if not isinstance(given, dict) or not given:
        return (
            f"{_shown(given)} is not a condition; a condition is a mapping with one of: {allowed}"
        )
    keys = [str(k) for k in given]
    if len(keys) > 1:
        return f"a condition has exactly one key, not {len(keys)} ({', '.join(keys)}); use one of: {allowed}"
    message = f"'{keys[0]}' is not a condition; use one of: {allowed}"
    near = difflib.get_close_matches(keys[0], list(CONDITION_KEYS), n=1, cutoff=0.6)
    return message + (f" (did you mean '{near[0]}'?)" if near else "")


# What a field's allowed values are called in a message (the field's name otherwise).
_KIND_OF_VALUE = {
    "type": "question type",
    "severity": "obligation kind",
    "register_category": "register category",
    "level_floor": "level",
}


def _shown(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else repr(value)


def _not_one_of(err: ErrorDetails, path: Path_) -> str:
    """ "'telepathy' is not a question type; use one of 'short_text', … (did you mean …?)": the
    wrong value itself first, then what is allowed, and the nearest allowed value if any."""
    field = str(path[-1]) if path else "value"
    expected = str((err.get("ctx") or {}).get("expected", "")) or "the allowed values"
    given = err.get("input")
    kind = _KIND_OF_VALUE.get(field, field)
    article = "an" if kind[:1] in "aeiou" else "a"
    message = f"{_shown(given)} is not {article} {kind}; use one of {expected}"
    allowed = re.findall(r"'([^']*)'", expected)
    if isinstance(given, str) and allowed:
        near = difflib.get_close_matches(given, allowed, n=1, cutoff=0.75)
        if near:
            message += f" (did you mean '{near[0]}'?)"
    return message


# --- cross-checks that the schema alone cannot express ----------------------------------------
