"""Which operation a method and path name, under the API's `/v1` prefix."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from ._messages import PREFIX, Response, problem


@dataclass(frozen=True, slots=True)
class Route:
    """One of the four operations, with its path parameters (percent-decoded)."""

    operation: str
    params: tuple[str, ...]


def match(method: str, path: str) -> Route | Response:
    """The route for `method path`, or the 404/405 answer the API gives."""
    head, _, rest = path.partition(PREFIX + "/")
    segments = [unquote(s) for s in rest.split("/")] if head == "" and rest else []
    allowed, route = _lookup(segments)
    if route is None:
        return problem(404, "Not found", f"No such path: {path}")
    if method.upper() != allowed:
        return problem(
            405,
            "Method not allowed",
            f"Method {method} is not allowed on {path}",
            (("Allow", allowed),),
        )
    return route


def _lookup(segments: list[str]) -> tuple[str, Route | None]:
    match segments:
        case ["models", owner, name, "versions", version, "trainings"]:
            return "POST", Route("create", (f"{owner}/{name}", version))
        case ["trainings"]:
            return "GET", Route("list", ())
        case ["trainings", training_id] if training_id:
            return "GET", Route("get", (training_id,))
        case ["trainings", training_id, "cancel"] if training_id:
            return "POST", Route("cancel", (training_id,))
    return "", None
