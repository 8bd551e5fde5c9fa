"""The facade's modules import one another without a circle: each depends only on those
below it, so any module can be read (and imported) knowing only what it imports.

The local server (`testing`) is left out: its two ways in name the `LocalReplicate` they
serve, for the types their users see (`server.app.faults`), while the app builds them;
those names are for type checking only.

And `import replicate_trainings` leaves what it can to first use (attrs, the webhook names),
as a fresh interpreter shows.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "facade" / "replicate_trainings"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module of the package that `path` imports, anywhere in it (type checking,
    functions), since each is a dependency all the same."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.startswith("replicate_trainings"):
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("replicate_trainings"))
    return found


def graph() -> dict[str, set[str]]:
    modules = {
        module_name(path): path
        for path in PACKAGE.rglob("*.py")
        if "testing" not in path.relative_to(PACKAGE).parts
    }
    return {
        name: {
            target
            for target in imports(path)
            if target in modules and target != name and not name.startswith(target + ".")
        }
        for name, path in modules.items()
    }


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == 1:
                found.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_no_module_of_the_facade_imports_itself_round_a_circle() -> None:
    edges = graph()
    # Packages import their modules to re-export them; that direction is not a circle.
    for name in edges:
        edges[name] = {t for t in edges[name] if not t.startswith(name + ".")}
    assert cycles(edges) == []


def test_the_check_sees_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_importing_the_package_leaves_attrs_and_webhooks_unloaded() -> None:
    """`import replicate_trainings` stays cheap: the facade's classes are dataclasses, the
    generated client's attrs models and the webhook names load on first use."""
    probe = (
        "import sys, replicate_trainings\n"
        "print(sorted({*sys.modules, *(m.split('.')[0] for m in sys.modules)}"
        " & {'attr', 'attrs', 'standardwebhooks', 'replicate_trainings.webhooks'}))"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


def test_the_webhook_names_load_on_first_use_and_are_listed() -> None:
    probe = (
        "import sys, replicate_trainings as rt\n"
        "assert 'replicate_trainings.webhooks' not in sys.modules\n"
        "assert set(rt.__all__) <= set(dir(rt))\n"
        "from replicate_trainings import verify_webhook, WebhookEvent\n"
        "from replicate_trainings.webhooks import WebhookVerifier\n"
        "assert rt.WebhookVerifier is WebhookVerifier and callable(verify_webhook)\n"
        "assert WebhookEvent.__module__ == 'replicate_trainings.webhooks'\n"
        "ns = {}\n"
        "exec('from replicate_trainings import *', ns)\n"
        "assert set(rt.__all__) <= set(ns)\n"
        "try:\n"
        "    rt.WebhookSigner\n"
        "except AttributeError as e:\n"
        "    print(e)\n"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "module 'replicate_trainings' has no attribute 'WebhookSigner'"
