"""Classify what a new upstream changes in openapi.yaml: additive changes flow, breaking
ones stop `make update-spec` until recorded as a deviation or accepted.

The comparison is drift's (scripts/drift.py), between the committed openapi.yaml and what
the overlay makes of the new upstream, so a change a deviation keeps away is no change.
Additive: a new optional field, enum value, operation, response or optional parameter; a
field or parameter that becomes optional or nullable. Breaking: anything removed (a rename
is a removal and an addition), a type, format or schema name changed, a nullability
tightened, an enum closed, a new required request field or parameter, a route changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scripts.drift import Comparison, Difference, Spec

Json = Any
ADDED, REMOVED = "present", "absent"  # drift's values for a side that has it, or not


@dataclass(frozen=True)
class Change:
    """One change to openapi.yaml: a stable id (for --accept), whether it breaks, what it is."""

    id: str
    breaking: bool
    summary: str


def classify(current: Mapping[str, Json], new: Mapping[str, Json]) -> list[Change]:
    """Every change from the current spec to the new one, classified."""
    differences = Comparison(Spec(new, "new"), Spec(current, "current")).run()
    unique = {difference.key: difference for difference in differences}.values()
    added = {d.label for d in unique if d.aspect == "property" and d.upstream == ADDED}
    return [change(difference, added) for difference in unique]


def change(d: Difference, added_properties: Iterable[str]) -> Change:
    """One difference (drift's `upstream` side is the new spec), as a change."""
    in_request = " request body " in f"{d.where} " or " parameter " in d.where
    ident = f"{'/'.join(d.label.split())}:{'-'.join(d.aspect.split())}"
    if d.upstream in (ADDED, REMOVED) and d.ours in (ADDED, REMOVED):  # on one side only
        if d.upstream == REMOVED:
            summary = f"{d.aspect} removed"
            if d.aspect == "property":
                parent = d.label.rpartition(".")[0]
                siblings = sorted(a for a in added_properties if a.rpartition(".")[0] == parent)
                summary = "field removed" + (
                    f" (renamed? added beside it: {', '.join(siblings)})" if siblings else ""
                )
            return Change(f"{ident}-removed", True, f"{d.label}: {summary}")
        required = d.required and (in_request or d.aspect.endswith("parameter"))
        optional = not d.aspect.startswith(("enum value", "response", "operation", "items"))
        kind = ("required " if d.required else "optional ") if optional else ""
        noun = "field" if d.aspect == "property" else d.aspect
        breaking = required or d.aspect == "items"
        why = " (callers must now send it)" if required else ""
        return Change(f"{ident}-added", breaking, f"{d.label}: new {kind}{noun}{why}")
    was, now = d.ours, d.upstream
    summary = f"{d.label}: {d.aspect} changed from {was} to {now}"
    if d.aspect.endswith("required"):
        breaking = (now == "yes") if in_request else (now == "no")
    elif d.aspect == "nullable":
        breaking = now == "no"
        summary += " (nullability tightened)" if breaking else ""
    elif d.aspect == "enum":
        breaking = not (was == "closed" and now == "open")
    else:
        breaking = True
        if d.aspect == "schema":
            summary += " (generated names change)"
    return Change(ident, breaking, summary)


def unclassified_statuses(document: Mapping[str, Json]) -> list[tuple[str, list[str]]]:
    """Each schema marked with x-terminal/x-running, and its enum values in neither list."""
    found = []
    for name, schema in (document.get("components", {}).get("schemas") or {}).items():
        if not isinstance(schema, dict) or not ({"x-terminal", "x-running"} & schema.keys()):
            continue
        known = {*schema.get("x-terminal", []), *schema.get("x-running", [])}
        if missing := [value for value in schema.get("enum", []) if value not in known]:
            found.append((str(name), missing))
    return found
