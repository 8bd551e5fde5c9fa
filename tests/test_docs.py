"""Every Python code block of README.md and of each page of the docs site (mkdocs.yml's
nav) runs, so no snippet rots; and the README stays a front page.

Each block runs on its own, in a fresh namespace, as a reader would paste it, in an
environment where that works: REPLICATE_API_TOKEN and REPLICATE_BASE_URL point at a
running local server (`replicate_trainings.testing`), REPLICATE_WEBHOOK_SECRET is the
secret it signs with, the working directory is a scratch one, and a few names stand for
what the reader's own app supplies (GIVEN): `headers` and `body` (a real signed webhook
delivery), `secret`, and the reader's `already_handled(event_id)` and `handle(training)`.
Top-level `await` works, as in `python -m asyncio`. All the plain blocks of a document,
together, also pass `mypy --strict`. A block that is a pytest file (`# conftest.py` and
`# test_*.py` comment lines split it into files, or it just defines `test_` functions)
runs under pytest in a subprocess, with ResourceWarning an error. A block whose first
line is `# not run: <why>` is only parsed; keep those rare. The webhook receiver of
docs/webhooks.md also runs as it would be served: under a threaded HTTP server, with
concurrent deliveries and retries.

A small runner of our own rather than pytest-examples: that runs each block as its own
module too, but has no shared fixtures for a live server or env vars, no top-level await,
cannot run pytest-file blocks, and brings black and its own ruff pin. The fences are found
by markdown-it-py (pinned in requirements-dev.txt), not by a regex.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from markdown_it import MarkdownIt
from replicate_trainings.testing import (
    DEFAULT_WEBHOOK_SECRET,
    LocalReplicate,
    LocalServer,
    Progression,
)
from standardwebhooks import Webhook

ROOT = Path(__file__).resolve().parent.parent


def site_pages(nav: object) -> Iterator[str]:
    """The page files of mkdocs.yml's nav (a list of pages and titled sections), in order."""
    if isinstance(nav, str):
        yield nav
    elif isinstance(nav, list):
        for item in nav:
            yield from site_pages(item)
    elif isinstance(nav, dict):
        for value in nav.values():
            yield from site_pages(value)


NAV = [*site_pages(yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"])]
DOCUMENTS = [ROOT / "README.md", *(ROOT / "docs" / page for page in NAV)]
NOT_RUN = re.compile(r"#\s*not run:\s*\S")
FILE_HEADER = re.compile(r"^#\s*((?:conftest|test_\w+)\.py)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Block:
    """One fenced Python block: where it is and what it says."""

    path: Path
    line: int  # 1-based line of the first line of code
    source: str

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"

    @property
    def pytest_files(self) -> dict[str, str] | None:
        """The files of a block that is a pytest file (or several); None for plain code."""
        parts = FILE_HEADER.split(self.source)
        if len(parts) > 1:
            return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}
        if re.search(r"^(async )?def test_", self.source, re.MULTILINE):
            return {"test_block.py": self.source}
        return None


def blocks(path: Path) -> Iterator[Block]:
    for token in MarkdownIt("commonmark").parse(path.read_text()):
        language = token.info.split()[0] if token.info.strip() else ""
        if token.type == "fence" and language in ("python", "py") and token.map:
            yield Block(path, token.map[0] + 2, token.content)


ALL_BLOCKS = [block for path in DOCUMENTS for block in blocks(path)]

GIVEN = """\
from replicate_trainings import Training
headers: dict[str, str]
body: bytes
secret: str
def already_handled(event_id: str) -> bool: return False
def handle(training: Training) -> None: ...
"""
"""The types of the names every block is given (see `given_names`), for mypy."""


def shown_only(block: Block) -> bool:
    """True for a block marked `# not run: <why>` on its first line."""
    return NOT_RUN.match(block.source.lstrip().split("\n", 1)[0]) is not None


def test_the_documents_have_python_blocks() -> None:
    assert {b.path.name for b in ALL_BLOCKS} >= {
        "README.md",
        "testing-server.md",
        "webhooks.md",
        "trainings.md",
        "logging.md",
        "low-level.md",
    }


def test_every_page_of_docs_is_in_the_site() -> None:
    """So every page's blocks run here (mkdocs --strict refuses a page left out, too)."""
    assert sorted(NAV) == sorted(p.name for p in (ROOT / "docs").glob("*.md"))


def test_the_readme_is_a_front_page() -> None:
    """PyPI shows the README: short, and how to install it comes first, not `make`."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 220
    opening = "\n".join(lines[:40])
    assert "pip install replicate-trainings" in opening
    assert "pip install 'replicate-trainings[cli]'" in opening
    assert "pip install 'replicate-trainings[testing]'" in opening
    assert "make " not in opening  # `make demo` / `make test` work only in a checkout
    assert "## How it is built" in lines


@pytest.fixture(scope="module")
def local_server() -> Iterator[LocalServer]:
    """One local Replicate for every block; webhooks go to an in-memory sink, not the net."""
    sink = httpx.MockTransport(lambda request: httpx.Response(204))
    app = LocalReplicate(seed=30, webhook_transport=sink, progression=Progression.elapsed(0.02))
    with app, app.serve() as server:
        yield server


@pytest.fixture
def reader_env(local_server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The environment a reader of the docs is assumed to have."""
    env = {
        "REPLICATE_BASE_URL": local_server.base_url,
        "REPLICATE_API_TOKEN": local_server.token,
        "REPLICATE_WEBHOOK_SECRET": DEFAULT_WEBHOOK_SECRET,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def given_names() -> dict[str, Any]:
    """What a framework hands a webhook receiver: a real delivery, freshly signed."""
    with LocalReplicate() as app:
        body = json.dumps(app.create(outcome="succeeded")).encode()
    signature = Webhook(DEFAULT_WEBHOOK_SECRET).sign("msg_docs", datetime.now(UTC), body.decode())
    headers = {
        "webhook-id": "msg_docs",
        "webhook-timestamp": str(int(datetime.now(UTC).timestamp())),
        "webhook-signature": str(signature),
    }
    handled: set[str] = set()

    def already_handled(event_id: str) -> bool:
        seen = event_id in handled
        handled.add(event_id)
        return seen

    return {
        "headers": headers,
        "body": body,
        "secret": DEFAULT_WEBHOOK_SECRET,
        "already_handled": already_handled,
        "handle": lambda training: None,
    }


def run_code(block: Block) -> None:
    # Blank lines in front, so tracebacks give the line number in the document.
    source = "\n" * (block.line - 1) + block.source
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    code = compile(source, str(block.path), "exec", flags=flags, dont_inherit=True)
    namespace: dict[str, Any] = {"__name__": "__docs__", **given_names()}
    if code.co_flags & inspect.CO_COROUTINE:
        asyncio.run(eval(code, namespace))
    else:
        exec(code, namespace)


def run_pytest(block: Block, files: dict[str, str], folder: Path, env: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).write_text(text)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += [
        "-W",
        "error::ResourceWarning",
        "-W",
        "error::pytest.PytestUnraisableExceptionWarning",
    ]
    quiet = env | {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # no hypothesis, schemathesis...
    ran = subprocess.run(
        command,
        check=False,
        cwd=folder,
        env=os.environ | quiet,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, f"{block.name}\n{ran.stdout}\n{ran.stderr}"
    assert re.search(r"\d+ passed", ran.stdout), ran.stdout


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=lambda b: b.name)
def test_the_block_runs(
    block: Block, reader_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # files a snippet writes land in scratch
    if shown_only(block):  # shown, not run (the reason is in the document): parsed
        compile(block.source, block.name, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        return
    files = block.pytest_files
    if files is None:
        run_code(block)
    else:
        run_pytest(block, files, tmp_path, reader_env)


def test_the_demo_runs_and_shows_the_error_message_the_docs_show() -> None:
    errors = (ROOT / "docs" / "errors.md").read_text()
    shown = re.search(r"Messages read like `(404 [^`]*)\(GET /v1/trainings/x\)`", errors)
    assert shown, "the example error message moved"
    env = os.environ | {"PYTHONPATH": os.pathsep.join(["facade", "generated"])}
    demo = [sys.executable, "scripts/demo.py"]
    ran = subprocess.run(demo, check=False, cwd=ROOT, env=env, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert f"{shown[1]}(GET /v1/trainings/no-such-training)" in ran.stdout
    assert "trainings in all" in ran.stdout


def test_the_webhook_receiver_runs_under_a_threaded_server(
    reader_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/webhooks.md's plain blocks, together as a reader assembles them (the receiver,
    the `http.server` handler, the de-duplication), served by `ThreadingHTTPServer`: 10
    deliveries each sent 4 times at once from 8 threads, and 4 forged ones. Each delivery
    is handled once, every retry answered 200, every forgery 400."""
    monkeypatch.chdir(tmp_path)  # the example's webhooks.sqlite3
    namespace: dict[str, Any] = {"__name__": "__docs__", **given_names()}
    for block in blocks(ROOT / "docs" / "webhooks.md"):
        if block.pytest_files is None and not shown_only(block):
            source = "\n" * (block.line - 1) + block.source
            exec(compile(source, str(block.path), "exec", dont_inherit=True), namespace)
    record_delivery = namespace["record_delivery"]
    first: Counter[str] = Counter()
    lock = threading.Lock()

    def counted(event_id: str) -> bool:  # the example's, counting the first deliveries
        is_first: bool = record_delivery(event_id)
        with lock:
            first[event_id] += is_first
        return is_first

    namespace["record_delivery"] = counted  # `receive` looks it up in its module's names
    with LocalReplicate() as app:
        body = json.dumps(app.create(outcome="succeeded")).encode()
    signer = Webhook(DEFAULT_WEBHOOK_SECRET)

    def delivery(event_id: str, *, forged: bool = False) -> dict[str, str]:
        now = datetime.now(UTC)
        signature = signer.sign(event_id, now, body.decode())
        return {
            "webhook-id": event_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": "v1,Zm9yZ2Vk" if forged else str(signature),
        }

    sent = [(f"msg_{n}", False) for n in range(10) for _ in range(4)]
    sent += [(f"msg_forged_{n}", True) for n in range(4)]
    server = ThreadingHTTPServer(("127.0.0.1", 0), namespace["Hook"])
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        with httpx.Client(timeout=60) as http, ThreadPoolExecutor(8) as pool:

            def post(item: tuple[str, bool]) -> int:
                event_id, forged = item
                headers = delivery(event_id, forged=forged)
                return http.post(url, content=body, headers=headers).status_code

            statuses = list(pool.map(post, sent))
    finally:
        server.shutdown()
        server.server_close()
        serving.join()
    assert statuses == [400 if forged else 200 for _, forged in sent]
    assert first == Counter({f"msg_{n}": 1 for n in range(10)})
    with sqlite3.connect(tmp_path / "webhooks.sqlite3") as db:
        stored = {row[0] for row in db.execute("SELECT id FROM replicate_webhooks")}
    db.close()
    assert stored == {f"msg_{n}" for n in range(10)}


@pytest.mark.slow
def test_the_plain_blocks_of_each_document_type_check_strictly(tmp_path: Path) -> None:
    """Each document's plain blocks, in order, as one module (later blocks may use earlier
    ones' names), after GIVEN; errors point at the document's lines."""
    places: dict[str, list[str]] = {}
    for path in DOCUMENTS:
        plain = [b for b in blocks(path) if b.pytest_files is None and not shown_only(b)]
        if not plain:
            continue
        module = f"doc_{path.stem.replace('-', '_').lower()}.py"
        lines = GIVEN.splitlines()
        places[module] = ["(GIVEN)"] * len(lines)
        for block in plain:
            for offset, line in enumerate(block.source.splitlines()):
                lines.append(line)
                places[module].append(f"{block.name.rsplit(':', 1)[0]}:{block.line + offset}")
        (tmp_path / module).write_text("\n".join(lines) + "\n")
    (tmp_path / "mypy.ini").write_text("[mypy]\n")  # the package as installed, nothing else
    command = [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--strict"]
    command += ["--disable-error-code", "top-level-await", "--cache-dir", str(tmp_path / "c")]
    checked = subprocess.run(
        [*command, *sorted(places)],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors = []
    for line in checked.stdout.splitlines():
        found = re.match(r"(doc_\w+\.py):(\d+): (error|note): (.*)", line)
        if found:
            errors.append(f"{places[found[1]][int(found[2]) - 1]}: {found[3]}: {found[4]}")
    assert checked.returncode == 0 and not errors, "\n".join(errors) or checked.stdout
