"""`motcua serve` on its own: gunicorn with the flags over the environment, the app answering from every worker
process, a clean stop on SIGTERM; and the refusal of a rate-limit store that does not answer."""
from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from .processes import clean_environ, Command, free_port, request_json, wait_until_serving


def workers_of(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    children.append(int(entry.name))
            except OSError:
                continue
    return children


def _workers_settle(pid: int, timeout: float = 20) -> int:
    """The master's worker processes once their number stops growing: the first worker may answer before
    gunicorn has forked the next (on a loaded machine, a second or more)."""
    deadline, count = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        count = len(workers_of(pid))
        time.sleep(0.5)
        if count and len(workers_of(pid)) == count and count >= 2:
            break
    return len(workers_of(pid))


def test_serve_runs_the_flags_number_of_workers_that_answer_and_stops_cleanly(tmp_path):
    env = clean_environ(MOTCUA_INSTANCE_PATH=str(tmp_path), MOTCUA_SECRET_KEY=secrets.token_hex(32),
                        MOTCUA_WEB_WORKERS="1", MOTCUA_WEB_THREADS="2", MOTCUA_LOG_LEVEL="WARNING")
    assert Command(["db", "upgrade"], env, tmp_path / "db.log").run().returncode == 0
    port = free_port()
    server = Command(["serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"], env, tmp_path / "serve.log").start()
    try:
        wait_until_serving(port, server)
        assert _workers_settle(server.process.pid) == 2  # --workers over MOTCUA_WEB_WORKERS
        for _ in range(6):  # fresh connections, taken by either worker process
            status, body, headers = request_json(port, "POST", "/api/v1/tokens",
                                                 {"username": "khong.co", "password": "sai-mat-khau"})
            assert status == 401 and body["error"]["status"] == 401
            server_name = headers.get("Server", "")
            assert "werkzeug" not in server_name.lower() and not re.search(r"\d", server_name)  # no version told
    finally:
        server.process.terminate()
        assert server.process.wait(timeout=30) == 0, server.output()  # SIGTERM: a graceful stop, status 0


def test_serve_refuses_a_rate_limit_store_that_does_not_answer(tmp_path):
    env = clean_environ(MOTCUA_INSTANCE_PATH=str(tmp_path), MOTCUA_SECRET_KEY=secrets.token_hex(32),
                        MOTCUA_RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}")
    refused = Command(["serve", "--bind", f"127.0.0.1:{free_port()}"], env, tmp_path / "serve.log").run()
    assert refused.returncode == 1 and "MOTCUA_RATELIMIT_STORAGE_URI" in refused.stderr, refused.stderr


def test_workers_are_forked_with_the_preloaded_app_frozen_out_of_collections(tmp_path):
    """What the master built before forking (some 300,000 tracked objects) is frozen: a worker's full collection
    neither walks it nor writes to it, so the pages stay shared between the workers."""
    import gc

    from engine import Settings
    from webapp.serve import gunicorn_options

    options = gunicorn_options(Settings(instance_path=tmp_path, secret_key="test"))
    tracked = len(gc.get_objects())
    try:
        options["pre_fork"](None, None)
        assert gc.get_freeze_count() >= tracked * 0.9 and not gc.get_objects(generation=2)
    finally:
        gc.unfreeze()
