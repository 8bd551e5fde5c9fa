"""The real HTTP server: lifecycle, keep-alive, concurrency, HTTP details, command line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import httpx
import pytest
from replicate_trainings.testing import Fault, LocalReplicate, LocalServer, serve
from replicate_trainings.testing.__main__ import parse_progression

from tests.testing.helpers import BODY, CREATE, check


def client_port(response: httpx.Response) -> int:
    """The local port of the connection that carried `response`."""
    stream = response.extensions["network_stream"]
    port: int = stream.get_extra_info("client_addr")[1]
    return port


def test_the_context_manager_starts_and_stops_it() -> None:
    with serve(token="t") as server:
        assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
        assert server.port > 0
        assert server.token == "t"
        response = httpx.get(server.base_url + "/trainings", headers={"Authorization": "Bearer t"})
        assert response.status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.base_url + "/trainings")


def test_start_twice_is_an_error_and_stop_twice_is_not(local_replicate: LocalReplicate) -> None:
    server = local_replicate.serve().start()
    with pytest.raises(RuntimeError):
        server.start()
    server.stop()
    server.stop()


def test_connections_are_kept_alive(local_replicate_server: LocalServer) -> None:
    headers = {"Authorization": f"Bearer {local_replicate_server.token}"}
    with httpx.Client(base_url=local_replicate_server.base_url, headers=headers) as client:
        ports = {client_port(client.get("/trainings")) for _ in range(20)}
        ports |= {client_port(client.post(CREATE, json=BODY)) for _ in range(20)}
        ports |= {client_port(client.get("/trainings/nope")) for _ in range(5)}
    assert len(ports) == 1


def exchange(connection: socket.socket, reader: BinaryIO, request: bytes) -> tuple[int, bytes]:
    """Send one HTTP/1.1 request on a kept-alive socket; read one answer."""
    connection.sendall(request)
    status = int(reader.readline().split()[1])
    length = 0
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return status, reader.read(length)


def test_hundreds_of_concurrent_keep_alive_connections(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    local_replicate.faults.add(Fault.slow(0.3), times=None)
    token = local_replicate_server.token
    request = f"GET /v1/trainings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n"
    count = 300
    connections = [
        socket.create_connection(("127.0.0.1", local_replicate_server.port)) for _ in range(count)
    ]
    readers = [c.makefile("rb") for c in connections]
    try:
        for _ in range(2):  # the second round reuses every connection
            barrier = threading.Barrier(count)

            def one(i: int, barrier: threading.Barrier = barrier) -> int:
                barrier.wait()
                return exchange(connections[i], readers[i], request.encode())[0]

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=count) as pool:
                assert set(pool.map(one, range(count))) == {200}
            assert time.perf_counter() - started < 3.0  # one after another would be 90 s
    finally:
        for reader, connection in zip(readers, connections, strict=True):
            reader.close()
            connection.close()


def test_a_pooled_client_on_many_threads(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    headers = {"Authorization": f"Bearer {local_replicate_server.token}"}
    limits = httpx.Limits(max_connections=50)
    with (
        httpx.Client(
            base_url=local_replicate_server.base_url, headers=headers, limits=limits, timeout=30
        ) as client,
        ThreadPoolExecutor(max_workers=50) as pool,
    ):
        created = list(pool.map(lambda _: client.post(CREATE, json=BODY), range(200)))
        assert {r.status_code for r in created} == {201}
        assert len({r.json()["id"] for r in created}) == len(local_replicate) == 200
        got = list(pool.map(lambda r: client.get(f"/trainings/{r.json()['id']}"), created))
        assert {r.status_code for r in got} == {200}


def test_stop_closes_open_connections(local_replicate: LocalReplicate) -> None:
    server = local_replicate.serve().start()
    headers = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=server.base_url, headers=headers) as client:
        assert client.get("/trainings").status_code == 200
        server.stop()
        with pytest.raises(httpx.TransportError):
            client.get("/trainings")


def test_two_servers_share_one_state(local_replicate: LocalReplicate) -> None:
    with local_replicate.serve() as one, local_replicate.serve() as two:
        headers = {"Authorization": f"Bearer {local_replicate.token}"}
        made = httpx.post(one.base_url + CREATE, json=BODY, headers=headers).json()
        seen = httpx.get(f"{two.base_url}/trainings/{made['id']}", headers=headers).json()
        assert seen["id"] == made["id"]
        assert seen["urls"]["get"].startswith(two.base_url)


def test_a_chosen_port(local_replicate: LocalReplicate) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with local_replicate.serve(port=port) as server:
        assert server.port == port
        assert server.base_url == f"http://127.0.0.1:{port}/v1"


def test_urls_follow_the_host_the_client_used(local_replicate_server: LocalServer) -> None:
    base = f"http://localhost:{local_replicate_server.port}/v1"
    headers = {"Authorization": f"Bearer {local_replicate_server.token}"}
    made = httpx.post(base + CREATE, json=BODY, headers=headers).json()
    assert made["urls"]["get"] == f"{base}/trainings/{made['id']}"


def test_a_chunked_request_body(local_replicate_server: LocalServer) -> None:
    headers = {"Authorization": f"Bearer {local_replicate_server.token}"}
    parts = [b'{"destination": "acme/x",', b' "input": {"a": 1}}']
    with httpx.Client(base_url=local_replicate_server.base_url, headers=headers) as client:
        response = client.post(CREATE, content=iter(parts))
        assert response.request.headers["transfer-encoding"] == "chunked"
        assert response.status_code == 201
        assert response.json()["input"] == {"a": 1}
        assert client.get("/trainings").status_code == 200


def test_head_gets_no_body(local_replicate_server: LocalServer) -> None:
    headers = {"Authorization": f"Bearer {local_replicate_server.token}"}
    response = httpx.head(local_replicate_server.base_url + "/trainings", headers=headers)
    assert response.status_code == 405
    assert response.content == b""


def test_garbage_gets_a_400_and_the_server_lives_on(local_replicate_server: LocalServer) -> None:
    with socket.create_connection(("127.0.0.1", local_replicate_server.port)) as raw:
        raw.sendall(b"POST /v1/trainings HTTP/1.1\r\nContent-Length: many\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.1 400")
    headers = {"Authorization": f"Bearer {local_replicate_server.token}"}
    response = httpx.get(local_replicate_server.base_url + "/trainings", headers=headers)
    check(response)


def test_the_command_line() -> None:
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    args = ["--port", "0", "--token", "r8_cli", "--seed", "3", "--progression", "polls:1"]
    with subprocess.Popen(
        [sys.executable, "-m", "replicate_trainings.testing", *args],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=Path(__file__).parent,
    ) as process:
        try:
            assert process.stdout is not None
            base = process.stdout.readline().strip()
            token = process.stdout.readline().strip()
            assert base.startswith("export REPLICATE_BASE_URL=http://127.0.0.1:")  # for `eval`
            assert token == "export REPLICATE_API_TOKEN=r8_cli"
            url = base.partition("=")[2] + "/trainings"
            page = httpx.get(url, headers={"Authorization": "Bearer r8_cli"}).json()
            assert len(page["results"]) == 3
        finally:
            process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


@pytest.mark.parametrize(
    ("text", "polls", "seconds"),
    [("polls:3", 3, None), ("seconds:0.5", None, 0.5), ("manual", None, None), ("polls", 1, None)],
)
def test_progression_on_the_command_line(
    text: str, polls: int | None, seconds: float | None
) -> None:
    progression = parse_progression(text)
    assert (progression.polls_per_step, progression.seconds_per_step) == (polls, seconds)


@pytest.mark.parametrize("text", ["often", "polls:x", "seconds:-1", "manual:2"])
def test_bad_progressions_on_the_command_line(text: str) -> None:
    import argparse

    with pytest.raises(argparse.ArgumentTypeError):
        parse_progression(text)
