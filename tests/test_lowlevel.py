"""The low-level client `replicate_trainings_api` keeps the package's promises (issue 15).

- No class it defines shows a credential the caller gave (token, headers, cookies,
  httpx_args) in a repr, str or pickle, before or after use.
- The facade uses only its public names (an AST scan of every facade module).
- None of its public names equals a public name of `replicate_trainings`.
- The guide's "The low-level client" examples (docs/low-level.md) run, against the bundled
  local server.
"""

from __future__ import annotations

import ast
import asyncio
import enum
import importlib
import io
import pickle
import pkgutil
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest
import replicate_trainings
import replicate_trainings_api
from replicate_trainings.testing import LOCAL_BASE_URL, LocalReplicate
from replicate_trainings_api import models
from replicate_trainings_api.api.trainings import (
    trainings_cancel,
    trainings_create,
    trainings_get,
    trainings_list,
)
from replicate_trainings_api.errors import UnexpectedStatus
from replicate_trainings_api.types import File

ROOT = Path(__file__).resolve().parent.parent
FACADE = ROOT / "facade" / "replicate_trainings"
README = ROOT / "docs" / "low-level.md"
GENERATED = "replicate_trainings_api"
TOKEN = "r8_lowlevel_secret_0123456789abcdef"
VERSION = "39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b"


def modules_of(package: ModuleType, *, public_only: bool = False) -> list[ModuleType]:
    """The package and every module under it (only public ones if asked), imported.

    Private modules are left unimported then: a `__main__` may run a program on import.
    """
    found = [package]
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        if public_only and any(part.startswith("_") for part in info.name.split(".")):
            continue
        found.append(importlib.import_module(info.name))
    return found


def generated_classes() -> list[type]:
    """Every class defined in replicate_trainings_api or one of its modules."""
    classes = {
        value
        for module in modules_of(replicate_trainings_api)
        for value in vars(module).values()
        if isinstance(value, type) and value.__module__.startswith(GENERATED)
    }
    return sorted(classes, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


# -- 1. no credential in a repr, str or pickle ----------------------------------------

# What a caller may hand a class that carries a credential, each with the token inside.
CREDENTIALS: dict[str, Callable[[], object]] = {
    "token": lambda: TOKEN,
    "headers": lambda: {"Authorization": f"Bearer {TOKEN}", "X-Api-Key": TOKEN},
    "cookies": lambda: {"session": TOKEN},
    "httpx_args": lambda: {"params": {"api_key": TOKEN}},
}


def credential_parameters(cls: type) -> set[str]:
    """The parameters of a client (a class that sends requests) that can carry a credential.

    (`DetailedResponse.headers` are the server's answer, not something the caller gives.)
    """
    if not attrs.has(cls) or not hasattr(cls, "get_httpx_client"):
        return set()
    return {field.alias for field in attrs.fields(cls) if field.init} & CREDENTIALS.keys()


def assert_shows_no_token(value: object) -> None:
    """repr and str leave the token out; pickling refuses (TypeError) or leaves it out."""
    assert TOKEN not in repr(value), repr(value)
    assert TOKEN not in str(value), str(value)
    try:
        pickled = pickle.dumps(value)
    except TypeError as refused:
        refusal = str(refused)
    else:
        assert TOKEN.encode() not in pickled
        return
    assert "cannot be pickled" in refusal
    assert TOKEN not in refusal


def client_states(cls: type, app: LocalReplicate) -> Iterator[Any]:
    """A credential-carrying client: fresh, after sync and async calls, and its derivatives."""
    options: dict[str, Any] = {name: CREDENTIALS[name]() for name in credential_parameters(cls)}
    options["base_url"] = LOCAL_BASE_URL
    options["httpx_args"] = {**options.get("httpx_args", {}), "transport": app.transport()}
    client = cls(**options)
    yield client
    # Using it builds the httpx clients, and AuthenticatedClient writes its header then.
    assert trainings_list.sync_detailed(client=client).status_code == 200
    assert asyncio.run(trainings_list.asyncio_detailed(client=client)).status_code == 200
    yield client
    yield client.with_headers({"X-More": TOKEN})
    yield client.with_cookies({"more": TOKEN})
    client.get_httpx_client().close()
    asyncio.run(client.get_async_httpx_client().aclose())


def live_values(app: LocalReplicate) -> Iterator[object]:
    """What the four operations take and give, through the generated client."""
    client = replicate_trainings_api.AuthenticatedClient(
        base_url=LOCAL_BASE_URL, token=app.token, httpx_args={"transport": app.transport()}
    )
    body = models.TrainingRequestModel(
        destination="me/my-sdxl",
        input_=models.TrainingRequestModelInput.from_dict({"input_images": "https://e.x/a.zip"}),
        webhook="https://example.com/hook",
        webhook_events_filter=[models.WebhookEventType.START],
    )
    created = trainings_create.sync_detailed(
        "stability-ai", "sdxl", VERSION, body=body, client=client
    )
    yield body
    yield created
    assert isinstance(created.parsed, models.TrainingModel)
    yield trainings_get.sync_detailed(created.parsed.id, client=client)
    yield trainings_cancel.sync_detailed(created.parsed.id, client=client)
    yield trainings_list.sync_detailed(client=client)
    yield trainings_get.sync_detailed("no-such-training", client=client)  # a problem body
    client.get_httpx_client().close()


def parts(value: object) -> Iterator[object]:
    """value, and every generated object inside it (attrs fields, lists)."""
    yield value
    if isinstance(value, list):
        for item in value:
            yield from parts(item)
    elif attrs.has(cls := type(value)) and cls.__module__.startswith(GENERATED):
        for field in attrs.fields(cls):
            yield from parts(getattr(value, field.name))


# Classes that no live call hands out, built directly. The Training schema's parts are
# among them: a TrainingModel's parts are training_shape's (TrainingOutput...), as the facade's.
DIRECT: dict[type, Callable[[], object]] = {
    UnexpectedStatus: lambda: UnexpectedStatus(418, b'{"detail": "a teapot"}'),
    File: lambda: File(payload=io.BytesIO(b"weights"), file_name="w.tar"),
    models.TrainingModelInput: lambda: models.TrainingModelInput.from_dict({"a": 1}),
    models.TrainingOutputModel: lambda: models.TrainingOutputModel.from_dict({"version": "v"}),
    models.TrainingMetricsModel: lambda: models.TrainingMetricsModel.from_dict({}),
    models.TrainingUrlsModel: lambda: models.TrainingUrlsModel.from_dict({}),
}


def test_no_generated_class_shows_a_credential_in_repr_str_or_pickle() -> None:
    checked: set[type] = set()
    with LocalReplicate(token=TOKEN, seed=8) as app:
        for cls in generated_classes():
            if credential_parameters(cls):
                for state in client_states(cls, app):
                    assert_shows_no_token(state)
                checked.add(cls)
        values = [part for value in live_values(app) for part in parts(value)]
    values += [make() for make in DIRECT.values()]
    enums = [cls for cls in generated_classes() if issubclass(cls, enum.Enum)]
    values += [member for cls in enums for member in cls]
    for value in values:
        assert_shows_no_token(value)
        checked.add(type(value))

    assert {replicate_trainings_api.AuthenticatedClient} <= checked
    assert {replicate_trainings_api.UnauthenticatedClient} <= checked
    # Every model and every class the operations return was built and checked.
    assert {getattr(models, name) for name in models.__all__} <= checked
    assert {UnexpectedStatus, File, replicate_trainings_api.types.DetailedResponse} <= checked
    # A class left unbuilt here can carry no credential (none of its parameters can).
    assert all(not credential_parameters(cls) for cls in set(generated_classes()) - checked)


def test_a_client_refuses_to_be_pickled_and_says_why() -> None:
    client = replicate_trainings_api.AuthenticatedClient(base_url=LOCAL_BASE_URL, token=TOKEN)

    with pytest.raises(TypeError, match="AuthenticatedClient cannot be pickled: it holds cred"):
        pickle.dumps(client)
    assert "token=" not in repr(client)
    assert client.token == TOKEN  # still readable on purpose, just not shown


def test_unexpected_status_keeps_the_body_out_of_its_message() -> None:
    """A server may echo the Authorization header; the message goes to logs, the body not."""
    error = UnexpectedStatus(401, f'{{"echo": "Bearer {TOKEN}"}}'.encode())

    assert TOKEN not in str(error)
    assert TOKEN not in repr(error)
    assert str(error).startswith("Unexpected status code: 401")
    assert TOKEN.encode() in error.content


# -- 2. the facade uses only public names of the generated client ----------------------


def private_uses(source: str, filename: str = "<source>") -> list[str]:
    """Where `source` imports or touches a private (underscore) name of the generated client.

    Tracks the names bound to replicate_trainings_api or anything imported from it, then
    flags underscore attributes read through them (`trainings_get._get_kwargs`), imports
    of underscore modules or names, and string mentions (importlib, getattr).
    """
    tree = ast.parse(source, filename)
    bound: set[str] = set()
    found: list[str] = []

    def private(dotted: str) -> bool:
        return any(part.startswith("_") and not part.startswith("__") for part in dotted.split("."))

    def where(node: ast.AST) -> str:
        return f"{filename}:{getattr(node, 'lineno', '?')}"

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == GENERATED:
                    if private(alias.name):
                        found.append(f"{where(node)}: import {alias.name}")
                    bound.add(alias.asname or GENERATED)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] == GENERATED:
                for alias in node.names:
                    dotted = f"{node.module}.{alias.name}"
                    if private(dotted):
                        found.append(f"{where(node)}: from {node.module} import {alias.name}")
                    bound.add(alias.asname or alias.name)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.startswith(GENERATED)
            and private(node.value)
        ):
            found.append(f"{where(node)}: {node.value!r}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            root: ast.expr = node
            chain: list[str] = []
            while isinstance(root, ast.Attribute):
                chain.append(root.attr)
                root = root.value
            if isinstance(root, ast.Name) and root.id in bound and private(".".join(chain)):
                found.append(f"{where(node)}: {root.id}.{'.'.join(reversed(chain))}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "hasattr", "setattr"}
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in bound
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and private(node.args[1].value)
        ):
            call = f"{node.func.id}({node.args[0].id}, {node.args[1].value!r})"
            found.append(f"{where(node)}: {call}")
    return sorted(set(found))


def test_the_facade_uses_only_public_names_of_the_generated_client() -> None:
    modules = sorted(FACADE.rglob("*.py"))
    assert len(modules) > 10
    uses = [
        use
        for path in modules
        for use in private_uses(path.read_text(), str(path.relative_to(ROOT)))
    ]

    assert uses == []


def test_the_facade_does_use_the_generated_request_builders() -> None:
    """The scan above is not vacuous: the facade does reach into the generated client."""
    source = (FACADE / "_operations.py").read_text()

    for operation in ("create", "get", "cancel", "list"):
        assert f"trainings_{operation}.build_request_kwargs(" in source


@pytest.mark.parametrize(
    "source",
    [
        "from replicate_trainings_api.api.trainings import trainings_get\n"
        "trainings_get._get_kwargs('x')\n",
        "import replicate_trainings_api.api.trainings.trainings_get as op\nop._parse_response\n",
        "import replicate_trainings_api\nreplicate_trainings_api.client.AuthenticatedClient._x\n",
        "from replicate_trainings_api.api.trainings.trainings_get import _get_kwargs\n",
        "from replicate_trainings_api._private import thing\n",
        "import importlib\nimportlib.import_module('replicate_trainings_api._private')\n",
        "from replicate_trainings_api import client as c\ngetattr(c, '_secret')\n",
        "def f():\n    from replicate_trainings_api.types import UNSET as U\n    return U._x\n",
    ],
)
def test_the_scan_finds_each_kind_of_private_use(source: str) -> None:
    assert private_uses(source) != []


def test_the_scan_allows_public_uses_and_private_names_of_others() -> None:
    source = (
        "from replicate_trainings_api.api.trainings import trainings_get\n"
        "from . import _arguments\n"
        "import httpx\n"
        "trainings_get.build_request_kwargs(_arguments.identifier('id', 'x'))\n"
        "httpx._client\n"
        "trainings_get.__name__\n"
    )

    assert private_uses(source) == []


# -- 3. names ----------------------------------------------------------------------------


def public_names(package: ModuleType) -> dict[str, set[str]]:
    """name -> modules exporting it: `__all__`, else the public names a module defines.

    Modules under an underscore name are private and not counted.
    """
    names: dict[str, set[str]] = {}
    for module in modules_of(package, public_only=True):
        exported = getattr(module, "__all__", None)
        if exported is None:
            exported = [
                name
                for name, value in vars(module).items()
                if not name.startswith("_")
                and getattr(value, "__module__", None) == module.__name__
            ]
        for name in exported:
            names.setdefault(name, set()).add(module.__name__)
    return names


def same_object(name: str, modules: set[str]) -> bool:
    """True when every module exporting `name` exports the one same object: a class the
    facade re-exports from the generated training shape is one thing under one name."""
    return len({id(getattr(sys.modules[module], name)) for module in modules}) == 1


def test_no_generated_public_name_equals_a_facade_public_name() -> None:
    """Equal names only for one re-exported object (the training shape's TrainingStatus...)."""
    generated = public_names(replicate_trainings_api)
    facade = public_names(replicate_trainings)

    clashes = {
        name: (generated[name], facade[name])
        for name in generated.keys() & facade.keys()
        if not same_object(name, generated[name] | facade[name])
    }
    assert clashes == {}
    # The scan sees both sides: the names a reader would otherwise confuse are there.
    assert {"Training", "TrainingStatus", "WebhookEvent", "Client"} <= facade.keys()
    assert {"TrainingModel", "TrainingStatusModel", "WebhookEventType"} <= generated.keys()
    assert {"UnauthenticatedClient", "AuthenticatedClient", "DetailedResponse"} <= generated.keys()


def test_every_operation_module_offers_its_public_request_builder() -> None:
    for module in (trainings_create, trainings_get, trainings_list, trainings_cancel):
        assert callable(module.build_request_kwargs)
        assert module.build_request_kwargs.__doc__
        assert not hasattr(module, "_get_kwargs")

    kwargs = trainings_get.build_request_kwargs("a.b_c-9")
    assert kwargs == {"method": "get", "url": "/trainings/a.b_c-9"}
    # A value that is not one path segment is refused (tests/test_lowlevel_paths.py).
    with pytest.raises(ValueError, match="training_id must be a non-empty id"):
        trainings_get.build_request_kwargs("a b/c")


# -- 4. the README's examples ------------------------------------------------------------


def readme_blocks() -> list[tuple[int, str]]:
    """The python blocks of the README's "The low-level client" section, with their line."""
    text = README.read_text()
    start = text.index("# The low-level client\n")
    end = text.index("\n## ", start + 1)
    blocks = []
    for match in re.finditer(r"```python\n(.*?)```", text[start:end], re.S):
        line = text.count("\n", 0, start + match.start(1)) + 1
        blocks.append((line, match.group(1)))
    return blocks


def test_the_readme_has_the_low_level_examples() -> None:
    blocks = readme_blocks()

    assert len(blocks) == 2
    assert "AuthenticatedClient(" in blocks[0][1]
    assert "build_request_kwargs(" in blocks[1][1]


@pytest.mark.parametrize(("line", "code"), readme_blocks(), ids=lambda v: str(v)[:12])
def test_a_readme_example_runs_against_the_local_server(
    line: int, code: str, capsys: pytest.CaptureFixture[str]
) -> None:
    namespace: dict[str, Any] = {"__name__": "readme_example"}

    exec(compile(code, f"{README}:{line}", "exec"), namespace)  # our own README's code

    assert "server" in namespace
    if "print(" in code:
        assert capsys.readouterr().out.strip()
