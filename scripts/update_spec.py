"""Rebuild openapi.yaml from Replicate's published spec and the recorded deviations,
judging every change first.

The followed upstream is in the repository (upstream/replicate-openapi.json, with where and
when it came from in upstream/source.json). Five steps, all mechanical: extract upstream's
training operations and the components they use; spell 3.0's `nullable: true` as 3.1's
`type: [.., "null"]`; name the schemas (`x-schema-names` of openapi-overlay.yaml); apply
the overlay's actions (scripts/overlay.py), which stop, naming the deviation, where
upstream no longer fits one; write canonical YAML. Before writing, every change the new
upstream makes to openapi.yaml is printed and classified (scripts/changes.py): additive
changes flow; a breaking one stops, unless it is kept away by a deviation or accepted
(`--accept ID`, which records it in CHANGELOG.md under Unreleased / Breaking).

    python scripts/update_spec.py [UPSTREAM] [--accept ID ...]   # judge, then write
    python scripts/update_spec.py --check    # exit 1 if openapi.yaml or upstream/ is stale

Exit status: 0 done (or current), 1 openapi.yaml differs (--check), 2 a breaking change,
a conflict or an unreadable file.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import difflib
import hashlib
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `scripts` importable
    sys.path.insert(0, str(ROOT))

from scripts.changes import Change, classify, unclassified_statuses  # noqa: E402
from scripts.drift import (  # noqa: E402
    DriftError,
    parse_deviations,
)
from scripts.overlay import (  # noqa: E402
    DeviationConflict,
    OverlayError,
    apply_actions,
    parse_actions,
)
from scripts.upstream import (  # noqa: E402
    UpdateError,
    extract,
    load,
    name_schemas,
    parse_naming,
    parse_yaml,
    spell_nullable,
)

SPEC = ROOT / "openapi.yaml"
OVERLAY = ROOT / "openapi-overlay.yaml"
RECORDED = ROOT / "upstream" / "replicate-openapi.json"
SOURCE = ROOT / "upstream" / "source.json"
CHANGELOG = ROOT / "CHANGELOG.md"
PUBLISHED = "https://api.replicate.com/openapi.json"
HEADER = (
    "# Written by `make update-spec` (scripts/update_spec.py) from Replicate's published spec\n"
    "# and openapi-overlay.yaml, which records every deliberate difference with its reason.\n"
    "# Do not edit: change the overlay and run `make update-spec`.\n"
)
# Where a key goes in an OpenAPI object; keys not listed follow in their own order, x- last.
ORDER = {
    key: index
    for index, key in enumerate(
        [
            "openapi", "info", "servers", "security", "tags", "paths", "components",
            "$ref", "name", "in", "operationId", "title", "version", "summary", "type",
            "format", "description", "required", "nullable", "enum", "default", "anyOf", "oneOf",
            "allOf", "items", "additionalProperties", "properties", "parameters",
            "requestBody", "headers", "content", "schema", "responses",
        ]
    )
}  # fmt: skip
# Mappings whose keys are names (of properties, paths, ...), kept in their order.
NAMED = frozenset(
    {"properties", "paths", "schemas", "responses", "parameters", "securitySchemes", "content",
     "headers", "examples", "patternProperties", "$defs", "callbacks", "links", "webhooks"}
)  # fmt: skip

Json = Any  # a node of a parsed JSON or YAML document


def update_spec(upstream: Path, out: Path, overlay: Path = OVERLAY) -> None:
    """Write to `out` the curated spec the overlay makes of the upstream spec, unjudged.
    Raises DeviationConflict naming the deviation upstream no longer fits, UpdateError for
    an unreadable input."""
    out.write_text(render(curate(extract(load(upstream)), load(overlay))), encoding="utf-8")


def curate(extracted: Json, overlay: Mapping[str, Json]) -> Json:
    """The curated spec: a copy of the extracted upstream part, schemas named, actions applied."""
    document = copy.deepcopy(extracted)
    spell_nullable(document)
    try:
        actions = parse_actions(overlay)
    except OverlayError as error:
        raise UpdateError(f"overlay: {error}") from error
    naming = parse_naming(overlay.get("x-schema-names"))
    used = [action.deviation for action in actions] + ([naming[0]] if naming else [])
    check_deviations(overlay, used)
    if naming is not None:
        name_schemas(document, *naming)
    apply_actions(document, actions)
    return document


def check_deviations(overlay: Mapping[str, Json], used: list[str]) -> None:
    """Every action names a recorded deviation, and every deviation has something applying it."""
    entries = overlay.get("x-deviations")
    if not isinstance(entries, list):
        raise UpdateError("overlay: expected an `x-deviations` list")
    try:
        known = {deviation.id for deviation in parse_deviations(entries, "overlay")}
    except DriftError as error:
        raise UpdateError(str(error)) from error
    applied = set(used)
    if unknown := sorted(map(str, applied - known)):
        raise UpdateError(f"overlay: actions name unrecorded deviations: {', '.join(unknown)}")
    if idle := sorted(map(str, known - applied)):
        raise UpdateError(f"overlay: recorded deviations no action applies: {', '.join(idle)}")


# -- write ----------------------------------------------------------------------------


class Dumper(yaml.SafeDumper):
    """Plain YAML: no anchors, multi-line text as literal blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        """Repeat shared nodes in full; a reader should not chase anchors."""
        return True


def represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    """A string, as a literal block when it has several lines."""
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def represent_list(dumper: yaml.SafeDumper, items: list[Json]) -> yaml.SequenceNode:
    """A list, on one line when it holds only scalars (`type: [string, 'null']`)."""
    flat = all(item is None or isinstance(item, str | int | float) for item in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flat)


Dumper.add_representer(str, represent_text)
Dumper.add_representer(list, represent_list)


def render(document: Json) -> str:
    """The canonical text of a spec."""
    body = yaml.dump(
        ordered(document),
        Dumper=Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )
    return HEADER + body


def ordered(node: Json, named: bool = False) -> Json:
    """A copy with the keys of OpenAPI objects in ORDER (names and x- values left as they are)."""
    if isinstance(node, list):
        return [ordered(item) for item in node]
    if not isinstance(node, dict):
        return node
    keys = list(node)
    if not named:
        keys.sort(key=lambda key: (key.startswith("x-"), ORDER.get(key, len(ORDER))))
    return {
        key: node[key] if key.startswith("x-") else ordered(node[key], not named and key in NAMED)
        for key in keys
    }


# -- command line ---------------------------------------------------------------------


def check(upstream: Path, spec: Path = SPEC, source: Path | None = SOURCE) -> bool:
    """Whether the spec is what the overlay makes of the upstream spec, and the upstream is
    the file its source record describes; prints what differs if not."""
    fine = True
    if source is not None:
        record = json.loads(source.read_text(encoding="utf-8"))
        digest = hashlib.sha256(upstream.read_bytes()).hexdigest()
        if record.get("sha256") != digest:
            print(f"{upstream}: sha256 {digest}, but {source} records {record.get('sha256')}")
            fine = False
    made = render(curate(extract(load(upstream)), load(OVERLAY)))
    current = spec.read_text(encoding="utf-8")
    if made == current:
        return fine
    diff = difflib.unified_diff(
        current.splitlines(keepends=True), made.splitlines(keepends=True),
        str(spec), f"update-spec of {upstream}", n=2,
    )  # fmt: skip
    sys.stdout.writelines(diff)
    print(f"\n{spec} is not what `make update-spec` makes of {upstream}: run it, and commit.")
    return False


def judge(changes: list[Change], accepted: list[str]) -> list[Change]:
    """Print each change, classified; the breaking ones not accepted."""
    print(f"changes to openapi.yaml ({len(changes)}){':' if changes else ': none'}")
    for change in sorted(changes, key=lambda c: (not c.breaking, c.id)):
        mark = "accepted" if change.id in accepted else "breaking" if change.breaking else ""
        print(f"  {mark or 'additive':<9} {change.summary}\n            id: {change.id}")
    return [c for c in changes if c.breaking and c.id not in accepted]


def refusal(blocking: list[Change], upstream: Path) -> str:
    """What a stop says: each break, and the two ways forward."""
    lines = [f"update-spec: stopped: {len(blocking)} breaking change(s) from {upstream}:"]
    lines += [f"  - {c.summary}\n      id: {c.id}" for c in blocking]
    ids = " ".join(c.id for c in blocking)
    lines += [
        "Ways forward, for each:",
        "  1. keep the old shape: record a deviation in openapi-overlay.yaml (an x-deviations",
        "     entry with its reason, and the actions that restore the old shape), and rerun;",
        "  2. or accept the break for the next major version:",
        f'     make update-spec UPSTREAM={upstream} ACCEPT="{ids}"',
        "     which records it in CHANGELOG.md under Unreleased / Breaking.",
    ]
    return "\n".join(lines)


def status_notes(document: Json) -> list[str]:
    """For each status in neither x-terminal nor x-running: what it means, what to do."""
    return [
        f"note: {schema} `{value}` is neither terminal nor running: a training in it is over"
        " only when `completed_at` is set. Classify it in openapi-overlay.yaml, in the"
        f" terminal-statuses action on {schema}: `x-terminal` if a training never leaves it,"
        " `x-running` if it moves on; then rerun update-spec."
        for schema, values in unclassified_statuses(document)
        for value in values
    ]


def record_breaks(changelog: Path, accepted: list[Change]) -> None:
    """Add accepted breaks to the CHANGELOG's Unreleased / Breaking list (made if missing)."""
    text = changelog.read_text(encoding="utf-8")
    entries = "".join(f"- Upstream: {c.summary} (accepted `{c.id}`).\n" for c in accepted)
    unreleased = re.search(r"^## Unreleased\n", text, re.MULTILINE)
    if unreleased is None:
        first = re.search(r"^## ", text, re.MULTILINE)
        at = first.start() if first else len(text)
        text = text[:at] + "## Unreleased\n\n" + text[at:]
        unreleased = re.search(r"^## Unreleased\n", text, re.MULTILINE)
        assert unreleased is not None
    section_end = re.compile(r"^## ", re.MULTILINE).search(text, unreleased.end())
    end = section_end.start() if section_end else len(text)
    breaking = re.compile(r"^### Breaking\n\n?", re.MULTILINE).search(text, unreleased.end(), end)
    if breaking is not None:
        text = text[: breaking.end()] + entries + text[breaking.end() :]
    else:
        at = unreleased.end()
        text = text[:at] + "\n### Breaking\n\n" + entries + text[at:]
    changelog.write_text(text, encoding="utf-8")


def follow(upstream: Path, taken: str) -> None:
    """Make `upstream` the recorded one: its bytes under upstream/, and its source record."""
    data = upstream.read_bytes()
    if upstream.resolve() != RECORDED.resolve():
        RECORDED.write_bytes(data)
    record = json.loads(SOURCE.read_text(encoding="utf-8"))
    digest = hashlib.sha256(data).hexdigest()
    if record.get("sha256") != digest:
        record |= {"url": PUBLISHED, "taken": taken, "sha256": digest}
        record["note"] = f"Copied from {upstream.name} by make update-spec."
        SOURCE.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    """Judge the new upstream's changes; write openapi.yaml (and follow it) if none stops."""
    extracted = extract(load(args.upstream))
    try:
        new = render(curate(extracted, load(OVERLAY)))
    except DeviationConflict:  # say what upstream changed, beside the deviation it broke
        raw = classify(extract(load(RECORDED)), extracted)
        if breaking := [change for change in raw if change.breaking]:
            print(refusal(breaking, args.upstream), file=sys.stderr)
        raise
    spec = parse_yaml(new)
    base = args.base if args.base.exists() else None
    changes = classify(load(base) if base else spec, spec)
    known = {change.id for change in changes}
    if unknown := sorted(set(args.accept) - known):
        print(f"update-spec: error: no change to accept: {', '.join(unknown)}", file=sys.stderr)
        return 2
    blocking = judge(changes, args.accept)
    for note in status_notes(spec):
        print(note)
    if blocking:
        print(refusal(blocking, args.upstream), file=sys.stderr)
        return 2
    args.out.write_text(new, encoding="utf-8")
    print(f"wrote {args.out}")
    if args.out == SPEC:
        follow(args.upstream, args.taken)
    if accepted := [change for change in changes if change.id in args.accept]:
        record_breaks(args.changelog, accepted)
        print(f"recorded {len(accepted)} accepted break(s) in {args.changelog}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Judge and rebuild openapi.yaml, or check it; the exit status."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "upstream", type=Path, nargs="?", default=RECORDED,
        help="the new upstream spec (default: the recorded one, upstream/replicate-openapi.json)",
    )  # fmt: skip
    parser.add_argument("--check", action="store_true", help="only check openapi.yaml")
    parser.add_argument("--out", type=Path, default=SPEC, help="where to write (openapi.yaml)")
    parser.add_argument(
        "--base", type=Path, default=SPEC, help="the spec changes are judged against"
    )
    parser.add_argument(
        "--accept", action="append", default=[], metavar="ID",
        help="accept this breaking change (an id update-spec printed); repeatable",
    )  # fmt: skip
    parser.add_argument(
        "--changelog", type=Path, default=CHANGELOG, help="where accepted breaks are recorded"
    )
    parser.add_argument(
        "--taken", default=datetime.date.today().isoformat(), help="when upstream was fetched"
    )
    args = parser.parse_args(argv)
    args.accept = [ident for value in args.accept for ident in value.split()]
    try:
        if args.check:
            source = SOURCE if args.upstream == RECORDED else None
            return 0 if check(args.upstream, args.out, source) else 1
        return run(args)
    except (UpdateError, DeviationConflict, DriftError) as error:
        print(f"update-spec: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
