"""HTTP load: officials receiving dossiers and completing their steps over the JSON API against `motcua serve`
(gunicorn) on loopback, at 1, 10, 25 and 50 concurrent clients, on SQLite and (MOTCUA_BENCH_POSTGRES_URL)
PostgreSQL; beside it, the same database's engine-only completion time measured by this process in the same run.

Run: `make bench` (or `.venv/bin/python bench/http_load.py`). Bounded: each level runs MOTCUA_BENCH_SECONDS
(default 6) seconds, saturated (each client sends its next request as soon as it has the answer) in three
alternating rounds, then paced once (an official reads for MOTCUA_BENCH_THINK seconds, default 0.5, before
each action). Prints throughput, p50/p95/p99 of the completions, errors, and the targets as ratios.
"""
from __future__ import annotations

import http.client
import json
import os
import secrets
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
from engine import complete_task  # noqa: E402
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
    """One official's keep-alive connection and bearer token."""

    def __init__(self, port: int, token: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict | None]:
        self.conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=self.headers)
        response = self.conn.getresponse()
        raw = response.read()
        return response.status, (json.loads(raw) if raw else None)


def official(port: int, token: str, deadline: float, think: float, results: dict, lock: threading.Lock) -> None:
    """Receive a dossier, then complete its steps one by one (each answer names the next), until the deadline."""
    client, latencies, errors, completions = Client(port, token), [], 0, 0
    while time.monotonic() < deadline:
        try:
            status, receipt = client.call("POST", "/api/v1/dossiers", {
                "procedure_code": "bench-seq10", "channel": "direct", "receiving_unit_code": CENTRE,
                "applicant": {"name": "Nguyễn Văn A"}})
            if status != 201:
                errors += 1
                continue
            status, dossier = client.call("GET", f"/api/v1/dossiers/{receipt['code']}")
            item_id = next(s["work_item_id"] for s in dossier["timeline"] if s["state"] == "ready")
            for step in range(TASKS):
                if time.monotonic() >= deadline:
                    break
                time.sleep(think)
                started = time.perf_counter()
                status, answer = client.call("POST", f"/api/v1/work-items/{item_id}/complete",
                                             {"data": form_data(step)})
                if status != 200:
                    errors += 1
                    break
                latencies.append(time.perf_counter() - started)
                completions += 1
                item_id = answer["next_items"][0]["id"] if answer["next_items"] else None
        except (OSError, http.client.HTTPException, KeyError, StopIteration):
            errors += 1
            client = Client(port, token)
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
    deadline = time.monotonic() + seconds
    started, cpu, served = time.monotonic(), time.process_time(), server_cpu(SERVER_PID)
    threads = [threading.Thread(target=official, args=(port, token, deadline, think, results, lock))
               for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ms = sorted(1000 * x for x in results["latencies"]) or [float("nan")]
    done = max(results["completions"], 1)
    return {"clients": clients, "rate": results["completions"] / elapsed, "p50": statistics.median(ms),
            "p95": _quantile(ms, 0.95), "p99": _quantile(ms, 0.99), "errors": results["errors"],
            "n": results["completions"], "latencies": ms,
            "client_cpu": 1000 * (time.process_time() - cpu) / done,
            "server_cpu": 1000 * (server_cpu(SERVER_PID) - served) / done}


def interleaved(port: int, token: str) -> list[dict]:
    """The saturated levels in ROUNDS alternating rounds (1, 10, 25, 50, 1, 10, …), so that other load on the
    machine falls on every level alike: per level the median rate and the latencies of all rounds."""
    runs = [[run_level(port, token, n, 0.0) for n in LEVELS] for _ in range(ROUNDS)]
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


def engine_only(factory, user_id: int, dossiers: int = 10) -> list[float]:
    """Milliseconds of each complete_task in its unit of work, in this process, on the same database: `dossiers`
    dossiers of 10 steps."""
    from datetime import timedelta

    from bench.engine_throughput import NOW

    for _ in range(dossiers):
        receive(factory, user_id)
    times = []
    for step in range(TASKS):
        with unit_of_work(factory) as s:
            items = [i.id for i in open_items(s, user_id)]  # each dossier's current step
        for item_id in items:
            started = time.perf_counter()
            with unit_of_work(factory) as s:
                complete_task(s, item_id, form_data(step), user_id, NOW + timedelta(hours=1))
            times.append(1000 * (time.perf_counter() - started))
    return times


def single_client_against_engine(factory, user_id: int, port: int, token: str, rounds: int = 5) -> tuple:
    """The single official over HTTP and the engine alone, in alternating rounds so that a change in the
    machine's load touches both: (HTTP completion median, engine-only completion median) in milliseconds."""
    http_ms, engine_ms = [], []
    for _ in range(rounds):
        engine_ms += engine_only(factory, user_id)
        result = run_level(port, token, 1, 0.0, seconds=SECONDS / rounds)
        http_ms += result["latencies"]
    return statistics.median(http_ms), statistics.median(engine_ms)


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
        client.headers.pop("Authorization")
        status, body = client.call("POST", "/api/v1/tokens", {"username": username, "password": PASSWORD})
        assert status == 201, body
        token = body["token"]
        run_level(port, token, 4, 0.0, seconds=2)  # warm up: every worker process and connection pool
        single_ms, engine_ms = single_client_against_engine(factory, user_id, port, token)
        saturated = interleaved(port, token)
        paced = [run_level(port, token, n, THINK) for n in LEVELS]
    finally:
        server.stop()
        db.dispose()
    return {"label": label, "engine_ms": engine_ms, "single_ms": single_ms, "saturated": saturated, "paced": paced}


def report(result: dict) -> None:
    print(f"\n{result['label']}: single official, completion median over HTTP {result['single_ms']:.2f} ms, "
          f"engine only {result['engine_ms']:.2f} ms (this process, alternating rounds)")
    for mode, rows in ((f"saturated, median of {ROUNDS} alternating rounds", result["saturated"]),
                       (f"paced, {THINK:g} s think time", result["paced"])):
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
    ratio = sat[50]["rate"] / sat[25]["rate"]
    rounds = ", ".join(f"{a / b:.2f}" for a, b in zip(sat[50]["rates"], sat[25]["rates"]))
    print(f"    throughput at 50 / at 25 clients, saturated: {ratio:.2f} (target ≥ 1.0: {verdict(ratio >= 1.0)}; "
          f"each round {rounds})")
    for mode, rows in (("saturated", sat), ("paced", paced)):
        ratio = rows[50]["p95"] / single
        print(f"    p95 at 50 clients / single-client median, {mode}: {ratio:.1f} "
              f"(target ≤ 10: {verdict(ratio <= 10)})")
    ratio = single / result["engine_ms"]
    print(f"    single-client HTTP completion median / engine-only: {ratio:.2f} (target ≤ 1.5: {verdict(ratio <= 1.5)})")


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
