"""A `Training` is immutable data: nothing it exposes can be changed, at any depth, and
`to_dict()` gives a fresh plain copy to change. Read-only containers still behave as the
dict and list a caller had before: `==`, `json.dumps`, pickling and copying work."""

from __future__ import annotations

import copy
import json
import pickle
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from replicate_trainings import Client, Training
from replicate_trainings.testing import LocalServer

from tests import payloads
from tests.reliability._support import REF

INPUT: dict[str, Any] = {
    "lr": 1e-4,
    "steps": 3,
    "tags": ["a", {"deep": [1, [2, {"deeper": {"x": None}}]]}],
    "options": {"flip": True, "sizes": [512, 1024]},
}

MUTATIONS: dict[str, Callable[[Any], object]] = {
    "input[k] = v": lambda t: t.input.__setitem__("lr", 99),
    "del input[k]": lambda t: t.input.__delitem__("lr"),
    "input.update": lambda t: t.input.update(lr=99),
    "input.pop": lambda t: t.input.pop("lr"),
    "input.popitem": lambda t: t.input.popitem(),
    "input.setdefault": lambda t: t.input.setdefault("new", 1),
    "input.clear": lambda t: t.input.clear(),
    "input |=": lambda t: t.input.__ior__({"lr": 99}),
    "nested object[k] = v": lambda t: t.input["options"].__setitem__("flip", False),
    "nested object.update": lambda t: t.input["options"].update(flip=False),
    "object in an array": lambda t: t.input["tags"][1].__setitem__("deep", None),
    "array[i] = v": lambda t: t.input["tags"].__setitem__(0, "b"),
    "array[i:j] = v": lambda t: t.input["tags"].__setitem__(slice(0, 1), []),
    "del array[i]": lambda t: t.input["tags"].__delitem__(0),
    "array.append": lambda t: t.input["tags"].append("c"),
    "array.extend": lambda t: t.input["tags"].extend("c"),
    "array.insert": lambda t: t.input["tags"].insert(0, "c"),
    "array.pop": lambda t: t.input["tags"].pop(),
    "array.remove": lambda t: t.input["tags"].remove("a"),
    "array.sort": lambda t: t.input["options"]["sizes"].sort(reverse=True),
    "array.reverse": lambda t: t.input["options"]["sizes"].reverse(),
    "array.clear": lambda t: t.input["options"]["sizes"].clear(),
    "array +=": lambda t: t.input["options"]["sizes"].__iadd__([1]),
    "array *=": lambda t: t.input["options"]["sizes"].__imul__(2),
    "array deep inside": lambda t: t.input["tags"][1]["deep"][1].append(3),
    "object deep inside": lambda t: t.input["tags"][1]["deep"][1][1]["deeper"].clear(),
}


def training() -> Training:
    return Training.from_dict(payloads.succeeded() | {"input": INPUT})


@pytest.mark.parametrize("mutate", MUTATIONS.values(), ids=list(MUTATIONS))
def test_no_container_a_training_exposes_can_be_changed(mutate: Callable[[Any], object]) -> None:
    t, same = training(), training()
    before = (t.to_dict(), hash(t))

    with pytest.raises(TypeError, match="read-only"):
        mutate(t)

    assert (t.to_dict(), hash(t)) == before
    assert t == same and t.input == INPUT


@pytest.mark.parametrize(
    ("read", "attribute"),
    [
        (lambda t: t.output, "version"),
        (lambda t: t.metrics, "total_time"),
        (lambda t: t.urls, "get"),
        (lambda t: t, "input"),
        (lambda t: t, "created_at"),
    ],
)
def test_nested_objects_and_fields_cannot_be_set(
    read: Callable[[Training], object], attribute: str
) -> None:
    t = training()
    with pytest.raises(AttributeError):
        setattr(read(t), attribute, None)
    with pytest.raises(AttributeError):
        read(t).new_attribute = None  # type: ignore[attr-defined]
    assert t == training()


def test_to_dict_is_a_fresh_plain_structure_to_change() -> None:
    t = training()
    first = t.to_dict()

    assert first == payloads.succeeded() | {"input": INPUT}
    assert all(type(c) in (dict, list) for c in containers(first))
    first["input"]["tags"][1]["deep"].append("mine")
    first["input"]["options"]["flip"] = False
    first["metrics"]["total_time"] = -1

    assert t.to_dict() == payloads.succeeded() | {"input": INPUT}
    assert t.to_dict() is not t.to_dict() and t == training()


def test_read_only_containers_behave_as_the_plain_ones() -> None:
    t = training()
    assert isinstance(t.input, Mapping) and t.input == INPUT
    assert t.input["tags"] == INPUT["tags"] and t.input["options"]["sizes"] == [512, 1024]
    assert json.dumps(t.input, sort_keys=True) == json.dumps(INPUT, sort_keys=True)
    assert pickle.loads(pickle.dumps(t.input)) == INPUT
    assert copy.copy(t.input) == copy.deepcopy(t.input) == INPUT
    assert dict(t.input) | {"lr": 2} == INPUT | {"lr": 2}  # a plain copy to change
    assert t.input is t.input  # made read-only once, on first use
    assert repr(t.input) == repr(INPUT)


def test_a_missing_input_is_an_empty_read_only_mapping() -> None:
    t = Training.from_dict({"id": "abc"})
    assert (
        t.input == {} and json.dumps(t.input) == "{}" and pickle.loads(pickle.dumps(t.input)) == {}
    )
    with pytest.raises(TypeError, match="read-only"):
        t.input.__setitem__("a", 1)  # type: ignore[index]


def test_pickling_copying_equality_and_hash_survive_the_freeze() -> None:
    t = training()
    t.input  # noqa: B018 - frozen before pickling
    copied = pickle.loads(pickle.dumps(t))

    assert copied == t and hash(copied) == hash(t) and copied.input == INPUT
    assert copy.copy(t) is t and copy.deepcopy(t) is t  # immutable: copies are itself
    with pytest.raises(TypeError, match="read-only"):
        copied.input["tags"].append(1)


def test_an_input_nested_deeper_than_recursion_is_frozen_at_every_depth() -> None:
    depth = 900  # as deep as json.loads goes on a default stack, with room to spare
    text = '{"a": ' * depth + "[1]" + "}" * depth
    t = Training._from_decoded({"id": "x", "input": json.loads(text)})
    inner: Any = t.input
    for _ in range(depth):
        inner = inner["a"]
    assert inner == [1]
    with pytest.raises(TypeError, match="read-only"):
        inner.append(2)
    assert json.dumps(t.to_dict()["input"]) == json.dumps(json.loads(text))


def test_a_training_read_from_a_server_stays_as_read(local_replicate_server: LocalServer) -> None:
    server = local_replicate_server
    with Client(server.token, base_url=server.base_url) as c:
        made = c.trainings.create(REF, destination="acme/out", input=INPUT)
        got = c.trainings.get(made.id)
        as_read = got.to_dict()
        with pytest.raises(TypeError):
            got.input["tags"].append("x")
        with pytest.raises(TypeError):
            got.input["lr"] = 99  # type: ignore[index]
        assert got.to_dict() == as_read and got.input == INPUT
        listed = next(t for t in c.trainings.list() if t.id == made.id)
        with pytest.raises(TypeError):
            listed.input["options"]["sizes"].sort()
        again = c.trainings.create(REF, destination="acme/out", input=got.input)
    assert again.input == INPUT  # a read-only input is a valid input to send


def containers(value: object) -> list[object]:
    found: list[object] = []
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            found.append(item)
            todo.extend(item.values())
        elif isinstance(item, list):
            found.append(item)
            todo.extend(item)
    return found
