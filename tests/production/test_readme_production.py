"""The README's production section, followed step by step: its environment file, its one-time commands and its
two services, on PostgreSQL with Redis; the refusals it promises; a sign-in on the page and for the API; the
sign-in limit counted once across two web hosts."""
from __future__ import annotations

import http.client
import json
import re
import secrets
import time

import pytest

from engine.infra.settings import ROOT
from tests.conftest import POSTGRES_URL

from .processes import (
    clean_environ, Command, create_schema, drop_schema, free_port, redis_answers, request_json, schema_url,
    wait_until_serving,
)

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not POSTGRES_URL, reason="MOTCUA_TEST_POSTGRES_URL is not set; needs PostgreSQL"),
              pytest.mark.skipif(not redis_answers(), reason="no Redis on 127.0.0.1:6379")]

DEMO_PASSWORD = "motcua-demo"


def production_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text[text.index("\n## Production\n"):].split("\n## ", 2)[1]


def code_blocks(section: str) -> list[str]:
    return [block for block in re.findall(r"```[a-z]*\n(.*?)```", section, flags=re.S)]


def readme_steps() -> tuple[dict[str, str], list[list[str]], list[list[str]]]:
    """The environment file, the one-time commands and the services' commands, as the README gives them."""
    blocks = [re.sub(r"^   ", "", block, flags=re.M) for block in code_blocks(production_section())]
    [env_block] = [b for b in blocks if b.startswith("# /etc/motcua/motcua.env")]
    environment = dict(line.split("=", 1) for line in env_block.splitlines() if line.startswith("MOTCUA_"))
    [once] = [b for b in blocks if b.startswith("motcua db upgrade")]
    commands = [line.split()[1:] for line in once.splitlines() if line.startswith("motcua ")]
    services = [line.split("/bin/motcua ", 1)[1].split() for b in blocks for line in b.splitlines()
                if line.startswith("ExecStart=")]
    return environment, commands, services


@pytest.fixture
def place(tmp_path):
    """This test's database schema, shared directory and ports in place of the README's hosts."""
    schema = create_schema(POSTGRES_URL, "motcua_readme")
    storage = tmp_path / "attachments"
    storage.mkdir()
    yield {"url": schema_url(POSTGRES_URL, schema), "storage": storage, "folder": tmp_path}
    drop_schema(POSTGRES_URL, schema)


def environment_for(place, readme_env: dict[str, str], **changes) -> dict[str, str]:
    values = {**readme_env, "MOTCUA_DATABASE_URL": place["url"], "MOTCUA_SECRET_KEY": secrets.token_hex(32),
              "MOTCUA_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379", "MOTCUA_STORAGE_DIR": str(place["storage"]),
              "MOTCUA_INSTANCE_PATH": str(place["folder"] / "instance"), **changes}
    return clean_environ(**{k: v for k, v in values.items() if v is not None})


def test_the_readme_production_steps_give_two_web_hosts_and_a_worker_that_refuse_unsafe_settings(place):
    readme_env, once, services = readme_steps()
    assert readme_env["MOTCUA_ENV"] == "production"
    assert [c[0] for c in once] == ["db", "demo", "load-procedures"] and [s[0] for s in services] == ["serve", "worker"]
    env = environment_for(place, readme_env, MOTCUA_SIGN_IN_ADDRESS_RATE_LIMIT="3/hour")
    folder = place["folder"]

    refusals = {
        "MOTCUA_SECRET_KEY": (environment_for(place, readme_env, MOTCUA_SECRET_KEY=None), "Thiếu MOTCUA_SECRET_KEY"),
        "SQLite": (environment_for(place, readme_env, MOTCUA_DATABASE_URL=f"sqlite:///{folder / 'x.db'}"),
                   "cần PostgreSQL"),
        "memory": (environment_for(place, readme_env, MOTCUA_RATELIMIT_STORAGE_URI=None), "tiến trình web"),
    }
    for what, (unsafe, says) in refusals.items():
        for service in services:
            if what != "SQLite" and service[0] == "worker":
                continue  # the worker needs neither the key nor the rate limits
            refused = Command(service, unsafe, folder / "refused.log").run()
            assert refused.returncode == 1 and says in refused.stderr and "refusing to start" in refused.stderr, \
                (what, service, refused.stderr)
    assert not (folder / "x.db").exists()

    for command in once:
        done = Command(command, env, folder / "once.log").run(timeout=300)
        assert done.returncode == 0, (command, done.stdout, done.stderr)

    ports = [free_port(), free_port()]  # two web hosts, as MOTCUA_WEB_HOSTS=2 says
    started = [Command([*services[0], "--bind", f"127.0.0.1:{port}"], env, folder / f"web-{port}.log").start()
               for port in ports]
    started.append(Command(services[1], env, folder / "worker.log").start())
    try:
        for port, server in zip(ports, started):
            wait_until_serving(port, server)
        status, body, _ = request_json(ports[0], "POST", "/api/v1/tokens",
                                       {"username": "motcua.tinh", "password": DEMO_PASSWORD})
        assert status == 201, body
        status, body, _ = request_json(ports[1], "GET", "/api/v1/work-items?view=unit", token=body["token"])
        assert status == 200 and body["total"] >= 1  # the demo's dossiers wait at the province centre
        signs_in_on_the_page(ports[1])
        spray_is_stopped_across_hosts(ports)
        time.sleep(1)
        assert all(process.alive() for process in started), [p.output() for p in started]
        assert "Đang xử lý hẹn giờ" in started[2].output()
    finally:
        for process in started:
            process.stop()


def signs_in_on_the_page(port: int) -> None:
    """Through the proxy the README describes (one hop, HTTPS at the proxy): Secure cookie and HSTS."""
    proxy = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "motcua.example"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login", headers=proxy)
    page = conn.getresponse()
    html = page.read().decode()
    assert page.status == 200 and page.getheader("Strict-Transport-Security", "").startswith("max-age=")
    cookie = page.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    form = f"csrf_token={token}&username=motcua.tinh&password={DEMO_PASSWORD}"
    conn.request("POST", "/login", body=form, headers={
        **proxy, "Cookie": cookie, "Referer": "https://motcua.example/login",
        "Content-Type": "application/x-www-form-urlencoded"})
    signed_in = conn.getresponse()
    signed_in.read()
    assert signed_in.status == 302, signed_in.status
    session_cookie = signed_in.getheader("Set-Cookie")
    assert "motcua_session=" in session_cookie and "Secure" in session_cookie and "HttpOnly" in session_cookie
    conn.close()


def spray_is_stopped_across_hosts(ports: list[int]) -> None:
    """Failed sign-ins from one address over several accounts, spread over both hosts, share one count in Redis
    (MOTCUA_SIGN_IN_ADDRESS_RATE_LIMIT=3/hour here): the fourth is refused whichever host gets it."""
    address = f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"  # unique per run: Redis keeps counts an hour

    def attempt(port: int, username: str) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/api/v1/tokens", body=f'{{"username": "{username}", "password": "Mua-xuan-2026"}}',
                     headers={"Content-Type": "application/json", "X-Forwarded-For": address})
        response = conn.getresponse()
        return response.status, json.loads(response.read())

    for port, username in zip([ports[0], ports[1], ports[0]], ["motcua.tinh", "chuyenvien.vpdk", "lanhdao.vpdk"]):
        assert attempt(port, username)[0] == 401
    status, body = attempt(ports[1], "vanthu.vpdk")
    assert status == 429 and "Đăng nhập sai quá nhiều lần" in body["error"]["message"], body
