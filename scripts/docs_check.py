"""What `mkdocs build --strict` cannot see: undocumented public names, and the README's links.

    python scripts/docs_check.py            # check (part of `make docs`)
    python scripts/docs_check.py --write    # rewrite the allow-list to today's names

Every public name of `replicate_trainings` and `replicate_trainings_api` (as
`scripts/api_check.py` walks them, the client's methods read through
`scripts/griffe_views.py`) needs a docstring: the API reference is made of them. A name
without one fails, unless `docs/undocumented.txt` lists it; that list only shrinks: a name
it lists that now has a docstring (or is gone) fails too, so that it is taken off.
Dunder names (`__init__`, `__version__`) are left out: their meaning is Python's.

The README is not part of the site (it is PyPI's page), so its relative links are checked
here: each must name a file of the repository.
Exit status: 0 all documented, 1 not.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `scripts` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.api_check import ROOT, SEARCH, public_objects

ALLOWED = ROOT / "docs" / "undocumented.txt"
README = ROOT / "README.md"
HEADER = """\
# Public names without a docstring, allowed for now: `make docs` fails on any other.
# Give each a docstring and take it off this list (scripts/docs_check.py --write).
"""


def undocumented(search: tuple[Path, ...] = SEARCH) -> list[str]:
    """The public names without a docstring, each once, by the shortest path users reach it
    by (`replicate_trainings.RetryPolicy`, not `replicate_trainings._config.RetryPolicy`)."""
    found: dict[str, str] = {}  # where it is defined -> its shortest public path
    for path, obj in public_objects(search):
        if obj is None or obj.name.startswith("__"):
            continue
        if obj.docstring is None or not obj.docstring.value.strip():
            own = f".{obj.parent.name}.{obj.name}" if obj.parent else f".{obj.name}"

            def rank(p: str, own: str = own) -> tuple[bool, int, int, str]:
                return (not p.endswith(own), p.count("."), len(p), p)  # its own class's

            found[obj.path] = min(found.get(obj.path, path), path, key=rank)
    return sorted(found.values())


def allowed(path: Path = ALLOWED) -> list[str]:
    """The allow-list's names (blank lines and `#` comments left out)."""
    if not path.exists():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def broken_links(readme: Path = README) -> list[str]:
    """The README's relative links (`[text](path)`) to files that do not exist."""
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", readme.read_text(encoding="utf-8")):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a URL or an anchor
        if not (readme.parent / target.split("#", 1)[0]).exists():
            broken.append(target)
    return broken


def main(argv: list[str] | None = None) -> int:
    """Check (or with --write, rewrite the allow-list); the exit status."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite docs/undocumented.txt")
    args = parser.parse_args(argv)
    names = undocumented()
    if args.write:
        ALLOWED.write_text(HEADER + "".join(f"{name}\n" for name in names), encoding="utf-8")
        print(f"wrote {ALLOWED.relative_to(ROOT)} ({len(names)} names)")
        return 0
    listed = allowed()
    new = sorted(set(names) - set(listed))
    stale = sorted(set(listed) - set(names))
    broken = broken_links()
    for title, items in [
        (f"public names without a docstring (not in {ALLOWED.relative_to(ROOT)})", new),
        (f"names in {ALLOWED.relative_to(ROOT)} now documented or gone: take them off", stale),
        ("README links to files that do not exist", broken),
    ]:
        if items:
            print(f"docs-check: FAIL: {len(items)} {title}:")
            print("".join(f"  {item}\n" for item in items), end="")
    if new or stale or broken:
        return 1
    print(f"docs-check: OK: every public name has a docstring, but {len(listed)} allowed for now")
    return 0


if __name__ == "__main__":
    sys.exit(main())
