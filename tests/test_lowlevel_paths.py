"""The low-level client refuses a path parameter that is not one path segment, as the facade
does, before anything is sent.

`replicate_trainings_api.types.path_segment` is the rule; every operation's
`build_request_kwargs` applies it to each path parameter, so `sync`, `sync_detailed`,
`asyncio` and `asyncio_detailed` all refuse alike. A raw-socket server on loopback records
every request: a refused call reaches it with nothing, a valid one with the exact path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from replicate_trainings import _arguments
from replicate_trainings_api import AuthenticatedClient
from replicate_trainings_api.api.trainings import trainings_cancel, trainings_create, trainings_get
from replicate_trainings_api.models import TrainingRequestModel, TrainingRequestModelInput
from replicate_trainings_api.types import path_segment

from tests.rawserver import Canned, raw_server, response

TOKEN = "r8_lowlevel_paths_0123456789abcdef"
VERSION = "39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b"

# Not one path segment: dot segments, separators, encodings, parameters, spaces, controls,
# a first character that is not a letter or digit, non-ASCII letters.
REFUSED = [
    "..",
    ".",
    "",
    "/",
    "a/b",
    "../cancel",
    "..%2f",
    "%2e%2e",
    "a b",
    "a?b",
    "a#b",
    "a;b",
    "..;",
    "a\\b",
    "x\n",
    "\t",
    ".hidden",
    "-x",
    "_x",
    "trainingé",
]
ACCEPTED = ["abc", "a.b", "a..b", "x.y_z-1", "Z9", VERSION]

# module -> the path parameters of its operation
PARAMETERS: dict[ModuleType, tuple[str, ...]] = {
    trainings_get: ("training_id",),
    trainings_cancel: ("training_id",),
    trainings_create: ("model_owner", "model_name", "version_id"),
}
GOOD = {"training_id": "abc", "model_owner": "owner", "model_name": "name", "version_id": VERSION}


def arguments(module: ModuleType, **changes: object) -> dict[str, Any]:
    """Valid arguments for `module`'s operation (a body for create), with `changes`."""
    given: dict[str, Any] = {name: GOOD[name] for name in PARAMETERS[module]} | changes
    if module is trainings_create:
        body = TrainingRequestModel("me/new", TrainingRequestModelInput.from_dict({"a": 1}))
        given["body"] = body
    return given


@pytest.fixture(scope="module")
def recorder() -> Iterator[tuple[str, Canned]]:
    """A raw server answering `{}` to anything, recording each request it receives."""
    canned = Canned(response(200, b"{}", {"Content-Type": "application/json"}))
    with raw_server(canned) as base_url:
        yield base_url, canned


@pytest.fixture
def server(recorder: tuple[str, Canned]) -> tuple[str, Canned]:
    """The recording server, with no request recorded yet."""
    recorder[1].requests.clear()
    return recorder


def client(base_url: str) -> AuthenticatedClient:
    return AuthenticatedClient(base_url=base_url, token=TOKEN, httpx_args={"trust_env": False})


def every_way(module: ModuleType, base_url: str, given: dict[str, Any]) -> list[object]:
    """What each of the module's ways in does with `given`: its result or its exception."""
    outcomes: list[object] = []

    def attempt(call: Callable[[], object]) -> None:
        try:
            outcomes.append(call())
        except (TypeError, ValueError) as error:
            outcomes.append(error)

    attempt(lambda: module.build_request_kwargs(**given))
    with client(base_url) as api:
        attempt(lambda: module.sync_detailed(client=api, **given))
        attempt(lambda: module.sync(client=api, **given))

    async def run() -> None:
        async with client(base_url) as api:
            for way in (module.asyncio_detailed, module.asyncio):
                try:
                    outcomes.append(await way(client=api, **given))
                except (TypeError, ValueError) as error:
                    outcomes.append(error)

    asyncio.run(run())
    return outcomes


@pytest.mark.parametrize("value", REFUSED, ids=repr)
@pytest.mark.parametrize(
    ("module", "parameter"),
    [(module, name) for module, names in PARAMETERS.items() for name in names],
    ids=lambda v: v if isinstance(v, str) else v.__name__.rpartition(".")[2],
)
def test_a_value_that_is_not_one_segment_is_refused_before_anything_is_sent(
    server: tuple[str, Canned], module: ModuleType, parameter: str, value: str
) -> None:
    base_url, canned = server

    outcomes = every_way(module, base_url, arguments(module, **{parameter: value}))

    assert len(outcomes) == 5
    for outcome in outcomes:
        assert isinstance(outcome, ValueError), outcome
        assert str(outcome).startswith(f"{parameter} must be a non-empty id of letters")
        assert repr(value) in str(outcome)
    assert canned.requests == []


@pytest.mark.parametrize("value", [None, 5, b"abc", ["abc"]], ids=repr)
def test_a_value_that_is_not_a_string_is_refused_with_a_type_error(
    server: tuple[str, Canned], value: object
) -> None:
    base_url, canned = server

    outcomes = every_way(trainings_get, base_url, {"training_id": value})

    assert all(isinstance(outcome, TypeError) for outcome in outcomes), outcomes
    assert str(outcomes[0]) == f"training_id must be a string, not {type(value).__name__}"
    assert canned.requests == []


@pytest.mark.parametrize("value", ACCEPTED)
def test_a_valid_segment_is_sent_as_it_is(server: tuple[str, Canned], value: str) -> None:
    """The check refuses only what it must: valid ids reach the server, unquoted."""
    base_url, canned = server

    every_way(trainings_cancel, base_url, {"training_id": value})

    lines = [request.split(b"\r\n", 1)[0] for request in canned.requests]
    assert lines == [f"POST /v1/trainings/{value}/cancel HTTP/1.1".encode()] * 4
    assert all(f"Bearer {TOKEN}".encode() in request for request in canned.requests)


def test_create_checks_each_path_parameter_and_sends_the_path_built_from_them(
    server: tuple[str, Canned],
) -> None:
    base_url, canned = server

    with client(base_url) as api:
        trainings_create.sync_detailed(client=api, **arguments(trainings_create))

    [request] = canned.requests
    path = f"/v1/models/owner/name/versions/{VERSION}/trainings"
    assert request.startswith(f"POST {path} HTTP/1.1\r\n".encode())


@pytest.mark.parametrize("value", [*REFUSED, *ACCEPTED, None, 5, "a" * 300], ids=repr)
def test_path_segment_is_the_facades_identifier_rule(value: object) -> None:
    """Same values accepted, same errors with the same messages: the facade can delegate."""

    def outcome(check: Callable[[str, object], str]) -> tuple[type, str]:
        try:
            return (str, check("training_id", value))
        except (TypeError, ValueError) as error:
            return (type(error), str(error))

    assert outcome(path_segment) == outcome(_arguments.identifier)
