"""HTTP load: officials receiving dossiers and completing their steps over the JSON API against `motcua serve`
(gunicorn) on loopback, at 1, 10, 25 and 50 concurrent clients, on SQLite and (MOTCUA_BENCH_POSTGRES_URL)
PostgreSQL; beside it, the same database's engine-only completion time measured by this process in the same run.

Run: `make bench` (or `.venv/bin/python bench/http_load.py`). Bounded: each level measures MOTCUA_BENCH_SECONDS
(default 6) seconds, saturated (each client sends its next request as soon as it has the answer) in three
rounds whose order alternates (1, 10, 25, 50, then 50, 25, 10, 1, …), then paced once (an official reads for
a random time, exponentially distributed with a mean of MOTCUA_BENCH_THINK seconds, default 0.5, before each
action: officials act independently, so their requests arrive at random as in an office, not in step).
Prints throughput, p50/p95/p99 of the completions, errors, and the targets as ratios.

The latency target (p95 at 50 clients within 10 times one official's median) is judged on the paced load.
Saturated, each client sends again the moment it is answered, so 50 requests are always waiting and, by
Little's law, a request's mean time in the system is 50 / throughput: at 250 completions/s that is 200 ms
whatever the server does, far above 10 times a 3-5 ms median on two cores. The saturated ratio is printed
beside that bound, for information.

The load is measured in its steady state: before a level's window opens, each official receives a dossier and
completes the first 0–9 of its steps (official i: i mod 10), unmeasured, so that their receptions, several
times a completion's cost and on PostgreSQL one at a time per unit and day, spread over the window as in an
office; started together at step 0, every official would receive at the same instant, at the window's start
and again every cycle, which showed as a drop at 50 clients that the load generator had made. Each client is
one thread with one keep-alive HTTP/1.1 connection, its requests and answers read straight off the socket (a
small fraction of what http.client costs per request, on the same 2 cores as the server).
"""
from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from bench.engine_throughput import form_data, PASSWORD, prepare, receive, TASKS  # noqa: E402
from engine import complete_task, items_to_take  # noqa: E402
from engine.infra.db import make_engine, unit_of_work  # noqa: E402
from engine.org.accounts import grant_role  # noqa: E402
from engine.models import User  # noqa: E402
from tests.driving import open_items  # noqa: E402
from tests.production.processes import Command, free_port, schema_url, wait_until_serving  # noqa: E402

LEVELS = (1, 10, 25, 50)
SECONDS = float(os.environ.get("MOTCUA_BENCH_SECONDS", "6"))
THINK = float(os.environ.get("MOTCUA_BENCH_THINK", "0.5"))
ROUNDS = 3  # saturated levels, in alternating rounds
CENTRE = "000.00.01.H99"


class Client:
    """One official's keep-alive HTTP/1.1 connection and bearer token; JSON requests written and answers read
    straight off the socket (the server answers with Content-Length; `Connection: close` opens a new one)."""

    def __init__(self, port: int, token: str):
        self.port, self.sock, self.buffer = port, None, b""
        self.head = f"Host: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        if token:
            self.head += f"Authorization: Bearer {token}\r\n"

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buffer = b""
        data = json.dumps(body).encode() if body is not None else b""
        self.sock.sendall(f"{method} {path} HTTP/1.1\r\n{self.head}Content-Length: {len(data)}\r\n\r\n".encode()
                          + data)
        while b"\r\n\r\n" not in self.buffer:
            self._receive()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
        if "content-length" not in headers:
            raise http.client.HTTPException(f"no Content-Length in the answer to {method} {path}")
        length = int(headers["content-length"])
        while len(self.buffer) < length:
            self._receive()
        raw, self.buffer = self.buffer[:length], self.buffer[length:]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return int(status_line.split()[1]), (json.loads(raw) if raw else None)

    def _receive(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            self.close()
            raise http.client.RemoteDisconnected("the server closed the connection")
        self.buffer += chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def new_dossier(client: Client) -> int | None:
    """Receive a dossier at the centre; the id of its first step (None when the reception is refused)."""
    status, receipt = client.call("POST", "/api/v1/dossiers", {
        "procedure_code": "bench-seq10", "channel": "direct", "receiving_unit_code": CENTRE,
        "applicant": {"name": "Nguyễn Văn A"}})
    if status != 201:
        return None
    status, dossier = client.call("GET", f"/api/v1/dossiers/{receipt['code']}")
    return next(s["work_item_id"] for s in dossier["timeline"] if s["state"] == "ready")


def complete(client: Client, item_id: int, step: int) -> int | None:
    """Complete a step; the id of the next one (None after the last, or when refused: see the status)."""
    status, answer = client.call("POST", f"/api/v1/work-items/{item_id}/complete", {"data": form_data(step)})
    if status != 200:
        raise RuntimeError(f"completion answered {status}")
    return answer["next_items"][0]["id"] if answer["next_items"] else None


# A refused or broken answer: counted as an error, and the official starts again on a new connection.
FAILURES = (OSError, http.client.HTTPException, RuntimeError, KeyError, StopIteration, ValueError)


def official(port: int, token: str, phase: int, window: dict, think: float, results: dict,
             lock: threading.Lock, seed: int = 0) -> None:
    """Receive a dossier and complete `phase` of its steps (unmeasured), wait for the window to open, then
    complete steps one by one (each answer names the next), receiving a new dossier after the last step, until
    the window closes."""
    client, latencies, errors, completions = Client(port, token), [], 0, 0
    pause = random.Random(seed).expovariate  # reading time before each action, mean `think` (0: none)
    item_id, step = None, 0
    try:
        item_id = new_dossier(client)
        for step in range(phase):
            item_id = complete(client, item_id, step)
        step = phase
    except FAILURES:
        errors, item_id = errors + 1, None
        client.close()  # the next request opens a new connection
    finally:
        window["open"].wait()  # whatever happened, the others are not kept waiting
    deadline = window["deadline"]
    while time.monotonic() < deadline:
        try:
            if item_id is None:
                item_id, step = new_dossier(client), 0
                if item_id is None:
                    errors += 1
                    continue
            if think:
                time.sleep(pause(1 / think))
            started = time.perf_counter()
            item_id = complete(client, item_id, step)
            latencies.append(time.perf_counter() - started)
            completions, step = completions + 1, step + 1
        except FAILURES:
            errors, item_id = errors + 1, None
            client.close()
    client.close()
    with lock:
        results["latencies"] += latencies
        results["errors"] += errors
        results["completions"] += completions


def server_cpu(pid: int) -> float:
    """CPU seconds used by the server: its master (with the worker processes it has reaped) and live workers."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid:
            total += sum(int(f) for f in fields[11:15]) / tick  # utime, stime, cutime, cstime
        elif int(fields[1]) == pid:
            total += sum(int(f) for f in fields[11:13]) / tick
    return total


SERVER_PID = 0  # set by measure(): whose CPU time run_level reads


def run_level(port: int, token: str, clients: int, think: float, seconds: float = SECONDS) -> dict:
    results, lock = {"latencies": [], "errors": 0, "completions": 0}, threading.Lock()
    window: dict = {}

    def open_window() -> None:  # run by the last official to arrive, just before they all start
        window.update(started=time.monotonic(), deadline=time.monotonic() + seconds, cpu=time.process_time(),
                      served=server_cpu(SERVER_PID))

    window["open"] = threading.Barrier(clients, action=open_window)
    threads = [threading.Thread(target=official, args=(port, token, i % TASKS, window, think, results, lock, i))
               for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - window["started"]
    ms = sorted(1000 * x for x in results["latencies"]) or [float("nan")]
    done = max(results["completions"], 1)
    return {"clients": clients, "rate": results["completions"] / elapsed, "p50": statistics.median(ms),
            "p95": _quantile(ms, 0.95), "p99": _quantile(ms, 0.99), "errors": results["errors"],
            "n": results["completions"], "latencies": ms,
            "client_cpu": 1000 * (time.process_time() - window["cpu"]) / done,
            "server_cpu": 1000 * (server_cpu(SERVER_PID) - window["served"]) / done}


def interleaved(port: int, token: str) -> list[dict]:
    """The saturated levels in ROUNDS rounds whose order alternates (1, 10, 25, 50, then 50, 25, 10, 1, …), so
    that other load on the machine, and its drift, falls on every level alike: per level the median rate and the
    latencies of all rounds."""
    runs = []
    for index in range(ROUNDS):
        order = LEVELS if index % 2 == 0 else LEVELS[::-1]
        rows = {n: run_level(port, token, n, 0.0) for n in order}
        runs.append([rows[n] for n in LEVELS])
    merged = []
    for index, clients in enumerate(LEVELS):
        rows = [rounds[index] for rounds in runs]
        ms = sorted(x for row in rows for x in row["latencies"])
        merged.append({"clients": clients, "rate": statistics.median(r["rate"] for r in rows),
                       "rates": [r["rate"] for r in rows], "p50": statistics.median(ms), "p95": _quantile(ms, 0.95),
                       "p99": _quantile(ms, 0.99), "errors": sum(r["errors"] for r in rows),
                       "n": sum(r["n"] for r in rows), "latencies": ms,
                       "client_cpu": statistics.median(r["client_cpu"] for r in rows),
                       "server_cpu": statistics.median(r["server_cpu"] for r in rows)})
    return merged


def _quantile(ms: list[float], q: float) -> float:
    return ms[min(len(ms) - 1, int(q * len(ms)))] if ms else float("nan")


def engine_only(factory, user_id: int, dossiers: int = 10) -> tuple[list[float], list[float]]:
    """Milliseconds per completion of the engine alone, in this process, on the same database, `dossiers`
    dossiers of 10 steps: (what a completion request asks of the engine: complete_task, then items_to_take for
    the answer's next steps, in one unit of work with its commit; complete_task alone in its unit of work), the
    two kinds alternating dossier by dossier."""
    from datetime import timedelta

    from bench.engine_throughput import NOW

    codes = {receive(factory, user_id) for _ in range(dossiers)}
    when = NOW + timedelta(hours=1)
    answered, alone = [], []
    for step in range(TASKS):
        with unit_of_work(factory) as s:
            items = [i.id for i in open_items(s, user_id) if i.dossier.code in codes]  # each dossier's current step
        for index, item_id in enumerate(items):
            started = time.perf_counter()
            with unit_of_work(factory) as s:
                done = complete_task(s, item_id, form_data(step), user_id, when)
                if index % 2 == 0:
                    items_to_take(s, done.dossier_id, user_id, when)
            (answered if index % 2 == 0 else alone).append(1000 * (time.perf_counter() - started))
    return answered, alone


def single_client_against_engine(factory, user_id: int, port: int, token: str, rounds: int = 5) -> tuple:
    """The single official over HTTP and the engine alone, in alternating rounds so that a change in the
    machine's load touches both: medians in milliseconds of (the HTTP completion, the engine's part of it,
    complete_task alone)."""
    http_ms, engine_ms, complete_ms = [], [], []
    for _ in range(rounds):
        answered, alone = engine_only(factory, user_id)
        engine_ms += answered
        complete_ms += alone
        result = run_level(port, token, 1, 0.0, seconds=SECONDS / rounds)
        http_ms += result["latencies"]
    return statistics.median(http_ms), statistics.median(engine_ms), statistics.median(complete_ms)


def measure(label: str, url: str, folder: Path) -> dict:
    db = make_engine(url)
    factory, user_id, username = prepare(db)
    with unit_of_work(factory) as s:
        grant_role(s, s.get(User, user_id), "mot_cua", CENTRE)  # the official also receives
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_") or k.startswith("MOTCUA_WEB_")}
    env.update(MOTCUA_DATABASE_URL=url, MOTCUA_SECRET_KEY=secrets.token_hex(32), MOTCUA_INSTANCE_PATH=str(folder),
               MOTCUA_EMBEDDED_WORKER="false", MOTCUA_LOG_LEVEL="WARNING")
    server = Command(["serve", "--bind", f"127.0.0.1:{port}"], env, folder / f"serve-{port}.log").start()
    global SERVER_PID
    SERVER_PID = server.process.pid
    try:
        wait_until_serving(port, server)
        client = Client(port, "")
        status, body = client.call("POST", "/api/v1/tokens", {"username": username, "password": PASSWORD})
        client.close()
        assert status == 201, body
        token = body["token"]
        run_level(port, token, 4, 0.0, seconds=2)  # warm up: every worker process and connection pool
        single_ms, engine_ms, complete_ms = single_client_against_engine(factory, user_id, port, token)
        saturated = interleaved(port, token)
        paced = [run_level(port, token, n, THINK) for n in LEVELS]
    finally:
        server.stop()
        db.dispose()
    return {"label": label, "engine_ms": engine_ms, "complete_ms": complete_ms, "single_ms": single_ms,
            "saturated": saturated, "paced": paced}


def report(result: dict) -> None:
    print(f"\n{result['label']}: single official, completion median over HTTP {result['single_ms']:.2f} ms; "
          f"engine only {result['engine_ms']:.2f} ms for the same work (the completion and its answer's next steps), "
          f"{result['complete_ms']:.2f} ms for complete_task alone (this process, alternating rounds)")
    for mode, rows in ((f"saturated, median of {ROUNDS} alternating rounds", result["saturated"]),
                       (f"paced, random think time of mean {THINK:g} s", result["paced"])):
        print(f"  {mode}:")
        print("    clients  completions/s    p50 ms   p95 ms   p99 ms  errors   CPU ms per completion: server, clients")
        for r in rows:
            print(f"    {r['clients']:7d}  {r['rate']:13.1f}  {r['p50']:8.1f} {r['p95']:8.1f} {r['p99']:8.1f}"
                  f"  {r['errors']:6d}   {r['server_cpu']:27.2f}  {r['client_cpu']:7.2f}")
    sat, paced = {r["clients"]: r for r in result["saturated"]}, {r["clients"]: r for r in result["paced"]}
    single = result["single_ms"]
    errors = sum(r["errors"] for r in result["saturated"] + result["paced"])
    verdict = lambda ok: "meets" if ok else "MISSES"  # noqa: E731
    print(f"  targets: errors {errors} (target 0: {verdict(errors == 0)})")
    # Each round's two levels ran one after the other, so their ratio leaves out what the machine's other load
    # did between rounds: the median of the rounds' ratios.
    rounds = [a / b for a, b in zip(sat[50]["rates"], sat[25]["rates"])]
    ratio = statistics.median(rounds)
    print(f"    throughput at 50 / at 25 clients, saturated: {ratio:.2f} (target ≥ 1.0: {verdict(ratio >= 1.0)}; "
          f"each round {', '.join(f'{r:.2f}' for r in rounds)}; median rates {sat[50]['rate'] / sat[25]['rate']:.2f})")
    ratio = paced[50]["p95"] / single
    print(f"    p95 at 50 clients / single-client median, paced: {ratio:.1f} (target ≤ 10: {verdict(ratio <= 10)})")
    bound = 1000 * 50 / sat[50]["rate"]
    print(f"    p95 at 50 clients / single-client median, saturated: {sat[50]['p95'] / single:.1f} (not a target: 50 "
          f"requests always waiting make the mean time in the system 50 / throughput = {bound:.0f} ms, "
          f"{bound / single:.0f} times the single-client median, whatever the server)")
    ratio = single / result["engine_ms"]
    print(f"    single-client HTTP completion median / engine-only, same work: {ratio:.2f} "
          f"(target ≤ 1.5: {verdict(ratio <= 1.5)}; against complete_task alone {single / result['complete_ms']:.2f})")


def main() -> None:
    load_before = os.getloadavg()[0]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "sqlite"
        folder.mkdir()
        results.append(measure("SQLite", f"sqlite:///{folder / 'bench.db'}", folder))
        pg_url = os.environ.get("MOTCUA_BENCH_POSTGRES_URL")
        if pg_url:
            schema = f"motcua_http_{os.getpid()}"
            admin = make_engine(pg_url)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                folder = Path(tmp) / "postgresql"
                folder.mkdir()
                results.append(measure("PostgreSQL", schema_url(pg_url, schema), folder))
            finally:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
    workers = os.environ.get("MOTCUA_WEB_WORKERS", "2")
    threads = os.environ.get("MOTCUA_WEB_THREADS", "4")
    print(f"motcua serve on 127.0.0.1, {workers} worker process(es) x {threads} thread(s); a client is one official "
          f"receiving a dossier of 10 steps and completing them; {SECONDS:g} s per level; machine load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after ({os.cpu_count()} cores)")
    for result in results:
        report(result)
    if len(results) == 1:
        print("\nPostgreSQL skipped: set MOTCUA_BENCH_POSTGRES_URL to measure it")
    print("For scale: SpiffArena's backend measured 39.8 ms per HTTP completion side by side on this machine kind.")


if __name__ == "__main__":
    main()
