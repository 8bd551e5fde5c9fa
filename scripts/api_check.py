"""The public API as a checked contract, and the release that agrees with it.

The public API of `replicate_trainings` and `replicate_trainings_api` (every public name,
read statically by griffe: its kind, a function's parameters and return annotation, an
attribute's annotation, a class's bases; the client's methods read as methods by
scripts/griffe_views.py, as the API reference reads them) is kept in api/public-api.json
with the version of the release it was taken at.

    python scripts/api_check.py            # compare today's API with the snapshot
    python scripts/api_check.py snapshot   # re-take the snapshot at the current version
    python scripts/api_check.py release    # version, CHANGELOG and snapshot agree

A removal, a rename (a removal and an addition) or an incompatible change fails, naming
it, unless the version's major is bumped past the snapshot's (the minor while 0.x) and
the CHANGELOG's section for the version names it under "Breaking". Additions pass. A
renamed name that keeps its old spelling (a `typing_extensions.deprecated` alias) is no
removal. Exit status: 0 agree, 1 a break or a disagreement, 2 an unreadable input.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import griffe

if __package__ in (None, ""):  # run as a script: make `scripts` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.griffe_views import ClientViews

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("replicate_trainings", "replicate_trainings_api")
SEARCH = (ROOT / "facade", ROOT / "generated")
SNAPSHOT = ROOT / "api" / "public-api.json"
VERSION = ROOT / "facade" / "replicate_trainings" / "_version.py"
CHANGELOG = ROOT / "CHANGELOG.md"
SECTION = re.compile(
    r"^## (?:\[?(\d+\.\d+\.\d+)\]? - (\d{4}-\d{2}-\d{2}|unreleased)|Unreleased)\s*$", re.M
)

Entry = dict[str, Any]
BOOKKEEPING = frozenset({"__module__", "__slots__", "__match_args__", "__annotations__"})
"""Dunder attributes a class carries for Python's bookkeeping, not for its callers."""


class CheckError(Exception):
    """An input cannot be read."""


# -- the API --------------------------------------------------------------------------


def public_api(search: tuple[Path, ...] = SEARCH) -> dict[str, Entry]:
    """Every public name of both packages, by dotted path, with what a caller relies on."""
    found = {path: describe(obj) for path, obj in public_objects(search)}
    return dict(sorted(found.items()))


def public_objects(search: tuple[Path, ...] = SEARCH) -> Iterator[tuple[str, Any]]:
    """Every public name of both packages, by the dotted path users use, with its object
    as griffe reads it statically (None when it points outside the two packages)."""
    loader = griffe.GriffeLoader(
        search_paths=[str(path) for path in search],
        allow_inspection=False,
        extensions=griffe.load_extensions(ClientViews()),  # the client's methods as methods
    )
    modules = [loader.load(package) for package in PACKAGES]
    loader.resolve_aliases(implicit=True, external=False)
    for package, module in zip(PACKAGES, modules, strict=True):
        yield from walk(module, package)


def walk(obj: griffe.Object | griffe.Alias, path: str) -> Iterator[tuple[str, Any]]:
    """The object and its public members, recursively (re-exports under the name users use)."""
    target = resolved(obj)
    yield path, target
    if target is None or target.kind not in (griffe.Kind.MODULE, griffe.Kind.CLASS):
        return
    members = target.all_members if target.kind is griffe.Kind.CLASS else target.members
    for name, member in sorted(members.items()):  # a class's inherited ones too
        if not member.is_public or (member.is_alias and member.kind is griffe.Kind.MODULE):
            continue
        if name in BOOKKEEPING:
            continue
        if target.kind is griffe.Kind.MODULE and member.is_alias and not member.is_exported:
            continue  # an import the module uses, not one it offers
        yield from walk(member, f"{path}.{name}")


def resolved(obj: griffe.Object | griffe.Alias) -> griffe.Object | None:
    """An alias's target (None when it points outside the two packages)."""
    if not obj.is_alias:
        return obj  # type: ignore[return-value]
    try:
        return obj.final_target  # type: ignore[union-attr]
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def describe(obj: griffe.Object | None) -> Entry:
    """What a caller relies on in one object."""
    if obj is None:
        return {"kind": "external"}
    if obj.kind is griffe.Kind.FUNCTION:
        function: griffe.Function = obj  # type: ignore[assignment]
        return {
            "kind": "function",
            "parameters": parameters(function.parameters),
            "returns": text(function.returns),
        }
    if obj.kind is griffe.Kind.CLASS:
        return {"kind": "class", "bases": [text(base) for base in obj.bases]}  # type: ignore[attr-defined]
    if obj.kind is griffe.Kind.ATTRIBUTE:
        return {"kind": "attribute", "annotation": text(obj.annotation)}  # type: ignore[attr-defined]
    return {"kind": obj.kind.value}


def parameters(given: griffe.Parameters) -> list[list[str | None]]:
    """Each parameter as [name, kind, annotation, default] (a `**kwargs: Unpack[SomeDict]`
    already spelled out by ClientViews, so a keyword the TypedDict loses is a parameter
    removed)."""
    return [
        [p.name, p.kind.value if p.kind else "", text(p.annotation), text(p.default)] for p in given
    ]


def text(value: object) -> str | None:
    """An annotation or default as source text."""
    return None if value is None else str(value)


# -- the comparison -------------------------------------------------------------------


def breaks(old: Mapping[str, Entry], new: Mapping[str, Entry]) -> list[str]:
    """Each incompatible change from the old API to the new, as a sentence naming it."""
    found = []
    for path, was in old.items():
        now = new.get(path)
        if now is None:
            found.append(f"{path}: removed (or renamed)")
        elif now["kind"] != was["kind"]:
            found.append(f"{path}: was a {was['kind']}, is a {now['kind']}")
        elif was["kind"] == "function":
            found += [f"{path}: {problem}" for problem in signature_breaks(was, now)]
        elif was["kind"] == "attribute" and was["annotation"] != now["annotation"]:
            found.append(f"{path}: type {was['annotation']} -> {now['annotation']}")
        elif was["kind"] == "class" and (lost := set(was["bases"]) - set(now["bases"])):
            found.append(f"{path}: no longer a subclass of {', '.join(sorted(lost))}")
    return found


def widens(old: str | None, new: str | None) -> bool:
    """True if a parameter typed `new` takes every argument one typed `old` took: the same
    annotation, or a union holding each of its members (`str | None` -> `str | NotGiven |
    None`). Read as text; anything else counts as a change."""
    if old == new:
        return True
    if old is None or new is None:
        return False
    return set(union_members(old)) <= set(union_members(new))


def union_members(annotation: str) -> list[str]:
    """The members of a union written `A | B[C | D] | None`, split outside brackets."""
    members, depth, start = [], 0, 0
    for index, char in enumerate(annotation):
        depth += {"[": 1, "(": 1, "]": -1, ")": -1}.get(char, 0)
        if char == "|" and depth == 0:
            members.append(annotation[start:index].strip())
            start = index + 1
    return [*members, annotation[start:].strip()]


def signature_breaks(was: Entry, now: Entry) -> Iterator[str]:
    """How a function's new signature refuses calls the old one took."""
    old = {p[0]: (index, *p[1:]) for index, p in enumerate(was["parameters"])}
    new = {p[0]: (index, *p[1:]) for index, p in enumerate(now["parameters"])}
    for name, (index, kind, annotation, default) in old.items():
        if name not in new:
            yield f"parameter {name} removed (or renamed)"
            continue
        n_index, n_kind, n_annotation, n_default = new[name]
        if n_kind != kind:
            yield f"parameter {name}: {kind} -> {n_kind}"
        elif "positional" in kind and n_index != index:
            yield f"parameter {name}: moved from position {index} to {n_index}"
        if default is not None and n_default is None:
            yield f"parameter {name}: no longer optional"
        if not widens(annotation, n_annotation):
            yield f"parameter {name}: type {annotation} -> {n_annotation}"
    for name, (_, kind, _, default) in new.items():
        if name not in old and default is None and "variadic" not in kind:
            yield f"parameter {name}: new and required"
    if was["returns"] != now["returns"]:
        yield f"returns {was['returns']} -> {now['returns']}"


# -- versions and the CHANGELOG -------------------------------------------------------


def version_of(path: Path = VERSION) -> str:
    """The package's version, from its one place."""
    found = re.search(r'^__version__ = "(\d+\.\d+\.\d+)"$', path.read_text(), re.M)
    if found is None:
        raise CheckError(f'{path}: no `__version__ = "X.Y.Z"`')
    return found.group(1)


def parts(version: str) -> tuple[int, ...]:
    """A version as comparable numbers."""
    return tuple(int(number) for number in version.split("."))


def allows_breaks(released: str, version: str) -> bool:
    """Whether going from the released version to this one may break: a major bump (a minor
    one while the major is 0)."""
    old, new = parts(released), parts(version)
    return new[0] > old[0] or (old[0] == new[0] == 0 and new[1] > old[1])


def sections(changelog: Path = CHANGELOG) -> list[tuple[str | None, str | None, str]]:
    """The CHANGELOG's sections in order: (version or None for Unreleased, date, text)."""
    text = changelog.read_text(encoding="utf-8")
    heads = list(SECTION.finditer(text))
    return [
        (head.group(1), head.group(2), text[head.end() : nxt.start() if nxt else len(text)])
        for head, nxt in zip(heads, [*heads[1:], None], strict=True)
    ]


def breaking_notes(version: str, changelog: Path = CHANGELOG) -> str:
    """The "Breaking" part of the version's CHANGELOG section ("" if none)."""
    for number, _, body in sections(changelog):
        if number == version:
            found = re.search(r"^### Breaking\s*$(.*?)(?=^### |\Z)", body, re.M | re.S)
            return found.group(1) if found else ""
    return ""


# -- the commands ---------------------------------------------------------------------


def load_snapshot(path: Path = SNAPSHOT) -> tuple[str, dict[str, Entry]]:
    """The snapshot's version and API."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return str(document["version"]), document["api"]
    except (OSError, ValueError, KeyError) as error:
        raise CheckError(f"{path}: {error}") from error


def check(
    snapshot: Path = SNAPSHOT,
    search: tuple[Path, ...] = SEARCH,
    version_file: Path = VERSION,
    changelog: Path = CHANGELOG,
) -> int:
    """Compare today's API with the snapshot; 0 compatible (or allowed), 1 not."""
    released, old = load_snapshot(snapshot)
    version = version_of(version_file)
    found = breaks(old, public_api(search))
    if not found:
        print(f"api-check: OK: the public API keeps every name of {released}")
        return 0
    notes = breaking_notes(version, changelog) if allows_breaks(released, version) else ""
    unnamed = [b for b in found if short(b) not in notes]
    if not unnamed:
        print(f"api-check: OK: {len(found)} breaking change(s), allowed by {version}:")
        print("\n".join(f"  {b}" for b in found))
        return 0
    print(f"api-check: FAIL: {len(unnamed)} incompatible change(s) since {released}:")
    print("\n".join(f"  {b}" for b in unnamed))
    print(
        "Keep the old name (a deprecated alias, see docs/compatibility.md),\n"
        f"or bump the major version in {version_file.name} and name each under\n"
        f"'### Breaking' in the CHANGELOG's section for it."
    )
    return 1


def short(breakage: str) -> str:
    """The name a CHANGELOG entry must mention: the object's last dotted part."""
    return breakage.partition(":")[0].rpartition(".")[2]


def snapshot(
    path: Path = SNAPSHOT, search: tuple[Path, ...] = SEARCH, version_file: Path = VERSION
) -> int:
    """Re-take the snapshot at the current version."""
    version, api = version_of(version_file), public_api(search)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"  {json.dumps(name)}: {json.dumps(entry)}" for name, entry in api.items()]
    text = f'{{"version": {json.dumps(version)}, "api": {{\n' + ",\n".join(lines)
    path.write_text(text + "\n}}\n", encoding="utf-8")  # a name a line: diffs read well
    print(f"wrote {path} ({len(api)} names, version {version})")
    return 0


def release(
    snapshot: Path = SNAPSHOT, version_file: Path = VERSION, changelog: Path = CHANGELOG
) -> int:
    """Whether the version, the CHANGELOG and the snapshot agree; 0 yes, 1 no."""
    version, (released, _) = version_of(version_file), load_snapshot(snapshot)
    problems = []
    listed = [(number, date) for number, date, _ in sections(changelog) if number]
    if not listed or listed[0][0] != version:
        top = listed[0][0] if listed else "none"
        problems.append(f"CHANGELOG's latest section is {top}, the version is {version}")
    if [parts(n) for n, _ in listed] != sorted((parts(n) for n, _ in listed), reverse=True):
        problems.append("CHANGELOG's sections are not newest first")
    if parts(version) < parts(released):
        problems.append(f"version {version} is older than the snapshot's {released}")
    elif version == released and listed and listed[0][1] == "unreleased":
        problems.append(f"{version} is released (snapshot taken): its section needs a date")
    if problems:
        print("release-check: FAIL:\n" + "\n".join(f"  {p}" for p in problems))
        return 1
    state = "released" if version == released else f"being prepared (last release {released})"
    print(f"release-check: OK: {version} {state}; version, CHANGELOG and snapshot agree")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run one command; the exit status."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "command", nargs="?", default="check", choices=["check", "snapshot", "release"]
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the checkout to check (default: this one)"
    )
    args = parser.parse_args(argv)
    root: Path = args.root
    files = {
        "snapshot": root / SNAPSHOT.relative_to(ROOT),
        "version_file": root / VERSION.relative_to(ROOT),
        "changelog": root / CHANGELOG.relative_to(ROOT),
    }
    search = (root / "facade", root / "generated")
    try:
        if args.command == "check":
            return check(search=search, **files)
        if args.command == "release":
            return release(**files)
        return snapshot(files["snapshot"], search, files["version_file"])
    except CheckError as error:
        print(f"api-check: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
