"""A local Replicate trainings API, for our tests, the demo, and downstream SDKs' tests.

A faithful, stateful implementation of the four training operations of
openapi.yaml (create, get, list, cancel) with auth, problem-details errors,
cursor pages, signed webhooks and fault injection. One sans-IO core
(`LocalReplicate.handle`) sits behind two ways in: an in-process httpx
transport and a real HTTP/1.1 server on loopback. It imports nothing from the
rest of `replicate_trainings`, so it can never mask a bug there. It checks create
bodies against the spec's `TrainingRequest` with jsonschema, the `testing` extra
(`pip install 'replicate-trainings[testing]'`), loaded when a `LocalReplicate` is made.

    with serve(seed=250) as server:                     # real server, free port
        httpx.get(server.base_url + "/trainings",
                  headers={"Authorization": f"Bearer {server.token}"})

    app = LocalReplicate()                              # in-process, no sockets
    client = httpx.Client(base_url=LOCAL_BASE_URL, transport=app.transport())

Public names:

- `LocalReplicate`: the server state and behaviour; `.transport()`, `.serve()`,
  `.handle()`, `.faults`, `.requests`, `.deliveries`, `.step()`, `.finish()`, `.plan()`...
- `LocalServer`: the running HTTP server (`base_url`, `token`, `start`, `stop`, `with`).
- `LocalTransport`: the httpx transport, sync and async; `LOCAL_BASE_URL` to pair with it.
- `serve(**options)`: a fresh `LocalReplicate` served for the length of a `with` block.
- `Endpoint`: base URL, token and optional transport, as the pytest fixtures give them.
- `Fault`, `Faults`, `Operation`: fault injection (errors, 429s, delays, drops, exact answers).
- `Progression`, `Outcome`: how trainings advance and how they end (`Progression.ends_after`).
- `RateLimit`, `Throttle`: throttling as Replicate does it (`LocalReplicate(rate_limit=True)`).
- `Catalog`: the models and versions that exist.
- `Clock`, `ManualClock`: injectable time.
- `Request`, `Response`, `RecordedRequest`: the core's messages and the request log.
- `Delivery`: one webhook delivery.
- `DEFAULT_TOKEN`, `DEFAULT_WEBHOOK_SECRET`: the defaults the server accepts and signs with.

Pytest fixtures live in `replicate_trainings.testing.pytest_plugin`; the command
line is `python -m replicate_trainings.testing [--port N] [--token T] [--seed N] [--rate-limit]`.
"""

from ._app import DEFAULT_TOKEN, LocalReplicate, LocalServer, LocalTransport, RecordedRequest
from ._catalog import Catalog
from ._clock import Clock, ManualClock
from ._endpoint import Endpoint, serve
from ._faults import Fault, Faults, Operation
from ._messages import Request, Response
from ._throttle import RateLimit, Throttle
from ._trainings import Outcome, Progression
from ._transport import LOCAL_BASE_URL
from ._webhooks import DEFAULT_WEBHOOK_SECRET, Delivery

__all__ = [
    "DEFAULT_TOKEN",
    "DEFAULT_WEBHOOK_SECRET",
    "LOCAL_BASE_URL",
    "Catalog",
    "Clock",
    "Delivery",
    "Endpoint",
    "Fault",
    "Faults",
    "LocalReplicate",
    "LocalServer",
    "LocalTransport",
    "ManualClock",
    "Operation",
    "Outcome",
    "Progression",
    "RateLimit",
    "RecordedRequest",
    "Request",
    "Response",
    "Throttle",
    "serve",
]
