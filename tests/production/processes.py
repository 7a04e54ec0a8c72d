"""Running `motcua` commands as processes of their own for the production tests: a PostgreSQL schema per
test, free ports, start-up waits, logs kept for the failure message, SIGKILL of a whole server."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import text

from engine.infra.db import make_engine

MOTCUA = str(Path(sys.executable).with_name("motcua"))


def redis_answers(host: str = "127.0.0.1", port: int = 6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def schema_url(base_url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections all work in `schema` (libpq's options parameter)."""
    parts = urlsplit(base_url)
    query = "&".join(q for q in [parts.query, f"options=-csearch_path%3D{schema}"] if q)
    return urlunsplit(parts._replace(query=query))


def create_schema(base_url: str, prefix: str) -> str:
    schema = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return schema


def drop_schema(base_url: str, schema: str) -> None:
    admin = make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def clean_environ(**settings: str) -> dict[str, str]:
    """This process's environment without any MOTCUA_ setting of the test run, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    return {**env, **settings}


@dataclass
class Command:
    """One `motcua …` process, in a session of its own so that SIGKILL takes its children (gunicorn's workers)."""

    args: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> "Command":
        handle = self.log.open("ab")
        self.process = subprocess.Popen([MOTCUA, *self.args], env=self.env, stdout=handle, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        handle.close()
        return self

    def run(self, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([MOTCUA, *self.args], env=self.env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the process and every child: a host that loses power."""
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self, timeout: float = 20) -> None:
        if not self.alive():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def output(self, last: int = 4000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-last:] if self.log.exists() else ""


def wait_until_serving(port: int, server: Command, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.alive():
            raise AssertionError(f"motcua serve exited:\n{server.output()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/procedures")
            if conn.getresponse().status == 401:  # up, and asking who calls
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"motcua serve did not answer on port {port} in {timeout} s:\n{server.output()}")


def request_json(port: int, method: str, path: str, body: dict | None = None, token: str | None = None,
                 timeout: float = 30) -> tuple[int, dict | None, dict]:
    """(status, JSON body or None, headers) of one request on a connection of its own."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        kind = response.getheader("Content-Type", "")
        return response.status, json.loads(raw) if raw and "json" in kind else None, dict(response.getheaders())
    finally:
        conn.close()
