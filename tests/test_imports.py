"""The facade's modules import one another without a circle, by layer, at most 8 deep:
each depends only on those below it, so any module can be read (and imported) knowing
only what it imports. Every import counts, type-checking and in-function ones too.

The layers, from the ground up (DESIGN.md, The layers): models and errors; transport;
settings (argument rules, options, the config and its rate budget); the request
pipeline; operations; the client surface. The command line and the local server stand
beside them and use only the public modules.

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
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
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


LAYERS: dict[str, tuple[str, ...]] = {
    "models and errors": (
        "errors",
        "training",
        "_raw",
        "_server_text",
        "_log_fields",
        "_clock",
        "_version",
    ),
    "transport": ("_transport", "_network", "_body"),
    "settings: argument rules, options, the config and its rate budget": (
        "_arguments",
        "_options",
        "_config",
        "_budget",
    ),
    "the request pipeline": ("_effects", "_pipeline"),
    "operations": ("_operations", "_many", "_polling", "pagination", "webhooks"),
    "the client surface": ("client", "", "__main__"),
}
"""Each module of the core by layer, lowest first ("" is the package itself)."""
BESIDE = ("cli", "testing")
"""Packages that stand beside the layers, and use only the public modules."""
PUBLIC = {"", "errors", "training", "pagination", "webhooks", "client"}
DEEPEST = 8


def layer_of(module: str) -> int | None:
    name = module.removeprefix("replicate_trainings").removeprefix(".")
    for index, members in enumerate(LAYERS.values()):
        if name in members:
            return index
    return None


def depth(edges: dict[str, set[str]]) -> dict[str, int]:
    """Each module's floor: one above the highest module it imports."""
    floors: dict[str, int] = {}

    def floor(node: str) -> int:
        if node not in floors:
            floors[node] = 1 + max((floor(t) for t in edges[node]), default=0)
        return floors[node]

    for node in edges:
        floor(node)
    return floors


def beside(module: str) -> bool:
    """True for a module of the command line or the local server."""
    return any(
        module == f"replicate_trainings.{name}" or module.startswith(f"replicate_trainings.{name}.")
        for name in BESIDE
    )


def core(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    return {
        name: {t for t in targets if not beside(t)}
        for name, targets in edges.items()
        if not beside(name)
    }


def test_every_module_of_the_core_has_a_layer_and_imports_only_its_own_or_lower() -> None:
    edges = core(graph())
    unplaced = sorted(name for name in edges if layer_of(name) is None)
    assert unplaced == [], f"place these in a layer of LAYERS: {unplaced}"
    upward = [
        f"{name} ({list(LAYERS)[layer_of(name) or 0]}) imports {target}"
        for name, targets in edges.items()
        for target in targets
        if (layer_of(target) or 0) > (layer_of(name) or 0)
    ]
    assert upward == []


def test_the_core_is_at_most_eight_layers_deep() -> None:
    floors = depth(core(graph()))
    deepest = max(floors.values())
    assert deepest <= DEEPEST, sorted(floors.items(), key=lambda item: -item[1])[:5]
    assert floors["replicate_trainings"] == deepest  # the package's face stands on it all


def test_the_command_line_and_the_local_server_use_only_the_public_modules() -> None:
    public = {f"replicate_trainings{'.' if name else ''}{name}" for name in PUBLIC}
    private = sorted(
        f"{name} imports {target}"
        for name, targets in graph().items()
        if beside(name)
        for target in targets
        if not beside(target) and target not in public
    )
    assert private == []


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
