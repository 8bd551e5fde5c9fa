"""Apply OpenAPI Overlay 1.0 actions, refusing any action that no longer fits upstream.

Targets are RFC 9535 JSONPath, evaluated by python-jsonpath in strict mode. An action
`update`s (merges into) or `remove`s every node its target selects, as the standard says.
On top of it, each action names the deviation it implements (`x-deviation`) and may say
what it expects to find (`x-expect`). An action fails, naming its deviation, when its
target selects nothing, when a target does not hold what `x-expect` says, or when an
update would replace a value `x-expect` does not name (descriptions excepted): an update
may add, but changing what upstream says must be a stated expectation, so a type changed
under a deviation stops the build instead of being silently overwritten.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonpath import JSONPathEnvironment, JSONPathError, JSONPathMatch

Json = Any  # a node of a parsed JSON or YAML document
JSONPATH = JSONPathEnvironment(strict=True)  # RFC 9535, as Overlay 1.0 requires
DOCUMENTATION = frozenset({"description", "summary", "title"})  # free to replace


class DeviationConflict(Exception):
    """Upstream no longer fits a recorded deviation: its target is gone or has changed."""

    def __init__(self, deviation: str, problem: str) -> None:
        super().__init__(f"deviation {deviation!r} no longer fits upstream: {problem}")
        self.deviation = deviation


class OverlayError(Exception):
    """The overlay document itself is malformed."""


@dataclass(frozen=True)
class Action:
    """One overlay action: where, what to do, and the deviation it implements."""

    target: str
    deviation: str
    update: Json = None
    remove: bool = False
    expect: Json = None

    def conflict(self, problem: str) -> DeviationConflict:
        """A conflict of this action's deviation, saying where."""
        return DeviationConflict(self.deviation, f"{self.target}: {problem}")


def parse_actions(overlay: Mapping[str, Json]) -> list[Action]:
    """The checked actions of an Overlay 1.0 document."""
    if not str(overlay.get("overlay", "")).startswith("1."):
        raise OverlayError("not an Overlay 1.x document (no `overlay: 1.0.0`)")
    entries = overlay.get("actions")
    if not isinstance(entries, list):
        raise OverlayError("expected an `actions` list")
    return [parse_action(entry) for entry in entries]


def parse_action(entry: Json) -> Action:
    """One checked action."""
    if not isinstance(entry, dict):
        raise OverlayError(f"each action must be a mapping, got {entry!r}")
    target, deviation = entry.get("target"), entry.get("x-deviation")
    if not (isinstance(target, str) and isinstance(deviation, str) and deviation):
        raise OverlayError(f"action {entry!r} needs a `target` and an `x-deviation`")
    remove = entry.get("remove", False) is True
    if remove == ("update" in entry):
        raise OverlayError(f"action on {target} needs exactly one of `update`, `remove: true`")
    check_target(target)
    return Action(target, deviation, entry.get("update"), remove, entry.get("x-expect"))


def check_target(target: str) -> None:
    """Refuse a target that is not RFC 9535 JSONPath."""
    try:
        JSONPATH.compile(target)
    except JSONPathError as error:
        raise OverlayError(f"{target}: not an RFC 9535 JSONPath: {error}") from error


def select(document: Json, target: str) -> list[JSONPathMatch]:
    """Every node the JSONPath target selects in the document."""
    return list(JSONPATH.finditer(target, document))


def apply_actions(document: Json, actions: list[Action]) -> None:
    """Apply the actions in order, changing the document in place."""
    for action in actions:
        matches = select(document, action.target)
        if not matches:
            raise action.conflict("selects nothing")
        for match in matches:
            if action.expect is not None and not holds(match.obj, action.expect):
                raise action.conflict(f"expected {action.expect!r}, found {shorten(match.obj)}")
        if action.remove:
            remove(document, matches)
        else:
            for match in matches:
                update(match.obj, action, match.path)


def holds(actual: Json, expected: Json) -> bool:
    """Whether a node holds what is expected: every member of a mapping, else equality."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and holds(actual[key], value) for key, value in expected.items()
        )
    return bool(actual == expected)


def update(node: Json, action: Action, where: str) -> None:
    """Merge an action's update into one selected node (an array gets it appended)."""
    if isinstance(node, list):
        if action.update not in node:
            node.append(copy.deepcopy(action.update))
    elif isinstance(node, dict) and isinstance(action.update, dict):
        merge(node, action.update, action.expect, where, action)
    else:
        raise action.conflict(f"cannot update {shorten(node)} at {where}")


def merge(
    node: dict[str, Json], changes: Mapping[str, Json], expect: Json, where: str, action: Action
) -> None:
    """Merge recursively (a {$ref} is one value, never merged into); replacing a value needs
    x-expect to name it, unless it is documentation."""
    expected = expect if isinstance(expect, dict) else {}
    for key, value in changes.items():
        if key not in node:
            node[key] = copy.deepcopy(value)
        elif isinstance(node[key], dict) and isinstance(value, dict) and "$ref" not in value:
            merge(node[key], value, expected.get(key), f"{where}[{key!r}]", action)
        elif node[key] != value:
            if key not in DOCUMENTATION and key not in expected:
                found = f"{where}[{key!r}] is {shorten(node[key])}"
                raise action.conflict(f"would replace what upstream says ({found})")
            node[key] = copy.deepcopy(value)


def remove(document: Json, matches: list[JSONPathMatch]) -> None:
    """Remove the selected nodes from their parents (array items from the last)."""
    for match in sorted(matches, key=lambda m: m.parts, reverse=True):
        parent = document
        for part in match.parts[:-1]:
            parent = parent[part]
        del parent[match.parts[-1]]


def shorten(node: Json, limit: int = 80) -> str:
    """A node's repr cut to a readable length."""
    text = repr(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."
