"""Several processes on one PostgreSQL: two `motcua serve` (two gunicorn workers each) and two `motcua worker`
finish 200 dossiers of the bundled procedures driven over the JSON API from concurrent clients, with timers,
liên thông messages and supplements, and nothing is lost or done twice, even when a web server and a worker
are killed with SIGKILL in the middle of the run."""
from __future__ import annotations

import http.client
import itertools
import json
import secrets
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from engine.infra import migrate
from engine.infra.clock import VN_TZ
from engine.infra.db import make_engine, make_sessionmaker, unit_of_work
from engine.models import Dossier, Event, Message, Procedure, ProcessInstance, Role, Unit, WorkItem
from engine.org.accounts import create_user, grant_role
from engine.org.calendar import forget_all_calendars
from tests.conftest import insert_org, PASSWORD, POSTGRES_URL
from tests.procedures.test_every_procedure import entry_procedures, form_data

from .processes import (
    clean_environ, Command, create_schema, drop_schema, free_port, redis_answers, request_json, schema_url,
    wait_until_serving,
)

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not POSTGRES_URL, reason="MOTCUA_TEST_POSTGRES_URL is not set; needs PostgreSQL")]

DRIVER = "kiem.thu.tai"  # an official holding every role at every unit, so one token takes every step
CENTRE = "000.00.01.H99"
TIMER_PROCEDURES = {"dinh-chinh-gcn", "dang-ky-bien-dong-dat-dai", "khai-sinh-thuong-tru-bhyt", "dang-ky-ho-kinh-doanh"}
SUPPLEMENT_PROCEDURES = {"dinh-chinh-gcn", "dang-ky-ho-kinh-doanh"}  # de_xuat == 'bo_sung' calls the supplement
APOLOGY_STEP = "ut_lap_xin_loi"  # first step of the apology the timer one working day before the due date starts
CLIENTS = 24
DOSSIER_SECONDS = 120


@dataclass(frozen=True)
class Plan:
    """One dossier to drive: its procedure, and whether it arrives late (its timer is due at once) or has the
    citizen supplement it."""

    slug: str
    code: str  # national procedure code, as the API takes it
    kind: str  # plain / late / supplement


@dataclass
class Traffic:
    """Every answer the clients got, and the connections a dead server refused."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)
    server_errors: list = field(default_factory=list)
    unexpected: list = field(default_factory=list)
    lost_connections: int = 0
    completions: int = 0
    seconds: Counter = field(default_factory=Counter)  # time spent per kind of request
    calls: Counter = field(default_factory=Counter)

    def note(self, method: str, path: str, status: int, body, spent: float = 0.0) -> None:
        kind = f"{method} {path.split('/')[3]}{'/' + path.rsplit('/', 1)[1] if path.count('/') > 4 else ''}"
        with self.lock:
            self.seconds[kind] += spent
            self.calls[kind] += 1
            self.statuses[status] += 1
            if status >= 500:
                self.server_errors.append((method, path, status, body))


class Client:
    """One client thread's keep-alive connections to the web servers; when a server stops answering, the
    request goes to another one (as a load balancer would), and the server is not asked again."""

    def __init__(self, ports: list[int], dead: set[int], token: str, traffic: Traffic, first: int):
        self.ports, self.dead, self.token, self.traffic = ports, dead, token, traffic
        self.order = ports[first % len(ports):] + ports[:first % len(ports)]
        self.connections: dict[int, http.client.HTTPConnection] = {}
        self.retried = False  # the last call was sent again after a connection broke

    def call(self, method: str, path: str, body: dict | None = None,
             headers: dict | None = None) -> tuple[int, dict | None]:
        self.retried = False
        payload = json.dumps(body) if body is not None else None
        headers = {"Authorization": f"Bearer {self.token}", **({"Content-Type": "application/json"} if body else {}),
                   **(headers or {})}
        for attempt in range(8):
            alive = [p for p in self.order if p not in self.dead]
            assert alive, "no web server answers"
            port = alive[0]
            conn = self.connections.get(port) or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            self.connections[port] = conn
            started = time.perf_counter()
            try:
                conn.request(method, path, body=payload, headers=headers)
                response = conn.getresponse()
                raw = response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                self.connections.pop(port, None)
                self.retried = True
                with self.traffic.lock:
                    self.traffic.lost_connections += 1
                if attempt and self._refuses(port):  # a kept-alive connection may simply have timed out once
                    self.dead.add(port)
                continue
            data = json.loads(raw) if raw else None
            self.traffic.note(method, path, response.status, data, time.perf_counter() - started)
            return response.status, data
        raise AssertionError(f"{method} {path}: no answer after 8 attempts")

    @staticmethod
    def _refuses(port: int) -> bool:
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            probe.request("GET", "/api/v1/openapi.json")
            probe.getresponse().read()
            return False
        except (OSError, http.client.HTTPException):
            return True


@dataclass
class Deployment:
    url: str
    factory: object
    env: dict
    ports: list[int]
    servers: list[Command]
    workers: list[Command]
    codes: dict[str, str]  # slug -> national code
    token: str = ""

    def logs(self) -> str:
        return "\n".join(f"--- {' '.join(c.args)}\n{c.output(1500)}" for c in self.servers + self.workers)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, org_rows):
    folder = tmp_path_factory.mktemp("multiprocess")
    schema = create_schema(POSTGRES_URL, "motcua_mp")
    url = schema_url(POSTGRES_URL, schema)
    engine = make_engine(url)
    commands: list[Command] = []
    try:
        migrate.upgrade(engine)
        forget_all_calendars()
        insert_org(engine, org_rows)
        factory = make_sessionmaker(engine)
        _driver_user(factory)
        with unit_of_work(factory) as session:
            codes = dict(session.execute(select(Procedure.slug, Procedure.code)).all())
        shared = redis_answers()
        (folder / "attachments").mkdir()
        env = clean_environ(
            MOTCUA_DATABASE_URL=url, MOTCUA_SECRET_KEY=secrets.token_hex(32), MOTCUA_INSTANCE_PATH=str(folder),
            MOTCUA_STORAGE_DIR=str(folder / "attachments"), MOTCUA_POLL_INTERVAL="0.2", MOTCUA_EMBEDDED_WORKER="false",
            MOTCUA_WEB_WORKERS="2", MOTCUA_WEB_THREADS="4", MOTCUA_WEB_HOSTS="2", MOTCUA_LOG_LEVEL="WARNING",
            MOTCUA_SIGN_IN_RATE_LIMIT="1000/minute", MOTCUA_SIGN_IN_ADDRESS_RATE_LIMIT="1000/minute",
            # production's own checks run too, when a shared store for the rate limits is at hand
            **({"MOTCUA_ENV": "production", "MOTCUA_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379"} if shared
               else {}),
        )
        ports = [free_port(), free_port()]
        servers = [Command(["serve", "--bind", f"127.0.0.1:{port}"], env, folder / f"serve-{port}.log")
                   for port in ports]
        workers = [Command(["worker"], env, folder / f"worker-{n}.log") for n in (1, 2)]
        commands = servers + workers
        for command in commands:
            command.start()
        for port, server in zip(ports, servers):
            wait_until_serving(port, server)
        deployed = Deployment(url, factory, env, ports, servers, workers, codes)
        status, body, _ = request_json(ports[0], "POST", "/api/v1/tokens", {"username": DRIVER, "password": PASSWORD})
        assert status == 201, body
        deployed.token = body["token"]
        yield deployed
    finally:
        for command in commands:
            command.stop()
        engine.dispose()
        drop_schema(POSTGRES_URL, schema)


def _driver_user(factory) -> None:
    now = datetime.now(VN_TZ)
    with unit_of_work(factory) as session:
        user = create_user(session, DRIVER, "Người kiểm thử tải", PASSWORD, now)
        for unit in session.scalars(select(Unit.code)).all():
            for role in session.scalars(select(Role.key)).all():
                grant_role(session, user, role, unit)


def plans(deployment: Deployment, count: int) -> list[Plan]:
    """`count` dossiers cycling over every entry procedure, plain, late (their timer) and supplemented."""
    kinds = [(slug, "plain") for slug in entry_procedures()]
    kinds += [(slug, "late") for slug in sorted(TIMER_PROCEDURES)]
    kinds += [(slug, "supplement") for slug in sorted(SUPPLEMENT_PROCEDURES)]
    return [Plan(slug, deployment.codes[slug], kind) for slug, kind in itertools.islice(itertools.cycle(kinds), count)]


def drive(client: Client, deployment: Deployment, plan: Plan, forms: dict, traffic: Traffic) -> str:
    """Receive one dossier and take each of its steps as it opens, until nothing of it runs any more."""
    now = datetime.now(VN_TZ)
    received = now - timedelta(days=40) if plan.kind == "late" else now
    # sent again after its server died, the same key gets the first answer back instead of a second dossier
    status, body = client.call("POST", "/api/v1/dossiers", {
        "procedure_code": plan.code, "channel": "direct", "received_at": received.isoformat(),
        "receiving_unit_code": CENTRE, "applicant": {"name": "Nguyễn Văn Thử", "phone": "0912345678"}},
        headers={"Idempotency-Key": uuid.uuid4().hex})
    assert status == 201, (plan, status, body)
    code = body["code"]
    deadline = time.monotonic() + DOSSIER_SECONDS
    if plan.kind == "late" and plan.slug in TIMER_PROCEDURES:
        # its deadline is long past, so its timer is due now: take no step before a worker has fired it
        while not any(s["bpmn_id"] == APOLOGY_STEP for s in _dossier(client, code)["timeline"]):
            assert time.monotonic() < deadline, f"{code}: the timer never fired"
            time.sleep(0.25)
    seen: Counter = Counter()
    supplemented = plan.kind != "supplement"
    ready: list[tuple[int, str]] = []  # (work item id, BPMN id) of the steps open to the driver
    while True:
        assert time.monotonic() < deadline, f"{code} ({plan}) did not finish; steps taken {dict(seen)}"
        if not ready:  # the last completion named no next step: look at the dossier
            ready = [(s["work_item_id"], s["bpmn_id"]) for s in _dossier(client, code)["timeline"]
                     if s["state"] == "ready"]
        if not ready:
            if _settled(deployment.factory, code):
                return code
            time.sleep(0.25)  # a worker is delivering a liên thông message (it sweeps every 0.2 s)
            continue
        item_id, bpmn_id = ready.pop(0)
        key = (plan.code, bpmn_id)
        if key not in forms:
            status, item = client.call("GET", f"/api/v1/work-items/{item_id}")
            assert status == 200, (code, bpmn_id, status, item)
            forms[key] = item["form"]
        data = form_data(forms[key], seen[bpmn_id], now.date())
        if not supplemented and "bo_sung" in ((forms[key] or {}).get("properties", {}).get("de_xuat", {})
                                              .get("enum", [])):
            data["de_xuat"], supplemented = "bo_sung", True
        status, answer = client.call("POST", f"/api/v1/work-items/{item_id}/complete", {"data": data})
        if status == 409 and client.retried:
            ready = []
            continue  # sent again after its server died: the first attempt had been committed
        assert status == 200, (code, bpmn_id, status, answer)
        seen[bpmn_id] += 1
        # the answer names the steps now open to the caller, so no inbox or dossier is read between steps
        ready = [(step["id"], step["bpmn_id"]) for step in answer["next_items"]]
        with traffic.lock:
            traffic.completions += 1


def _dossier(client: Client, code: str) -> dict:
    status, body = client.call("GET", f"/api/v1/dossiers/{code}")
    assert status == 200, (code, status, body)
    return body


def _settled(factory, code: str) -> bool:
    """No process of the dossier runs and no liên thông message waits for a worker: one statement, so one
    snapshot (a delivery turns a message delivered and starts its receiver in one transaction)."""
    running = (select(func.count()).select_from(ProcessInstance).join(Dossier)
               .where(Dossier.code == code, ProcessInstance.status != "completed").scalar_subquery())
    waiting = (select(func.count()).select_from(Message)
               .where(Message.correlation == code, Message.state != "delivered").scalar_subquery())
    with unit_of_work(factory) as session:
        return session.execute(select(running + waiting)).scalar_one() == 0


def run_phase(deployment: Deployment, todo: list[Plan], during=None) -> tuple[dict[str, Plan], Traffic]:
    """Drive the dossiers from CLIENTS threads; `during(traffic)` runs beside them (e.g. to kill processes).
    What the clients saw is printed (pytest -s shows it)."""
    traffic, dead, forms, started = Traffic(), set(), {}, time.monotonic()
    queue = iter(todo)
    lock = threading.Lock()
    done: dict[str, Plan] = {}

    def client_loop(number: int) -> None:
        client = Client(deployment.ports, dead, deployment.token, traffic, number)
        while True:
            with lock:
                plan = next(queue, None)
            if plan is None:
                return
            code = drive(client, deployment, plan, forms, traffic)
            with lock:
                done[code] = plan

    with ThreadPoolExecutor(CLIENTS + 1) as pool:
        side = pool.submit(during, traffic) if during else None
        results = [pool.submit(client_loop, n) for n in range(CLIENTS)]
        for result in results:
            result.result()
        if side:
            side.result()
    print(f"\n{len(done)} dossiers in {time.monotonic() - started:.1f} s: {traffic.completions} completions, "
          f"answers {dict(traffic.statuses)}, {traffic.lost_connections} broken connection(s)")
    for kind, calls in traffic.calls.most_common():
        print(f"  {kind}: {calls} calls, {1000 * traffic.seconds[kind] / calls:.0f} ms mean")
    return done, traffic


def check_nothing_lost_or_doubled(deployment: Deployment, done: dict[str, Plan], traffic: Traffic,
                                  received_in_all: int) -> None:
    assert not traffic.server_errors, traffic.server_errors[:5]
    with unit_of_work(deployment.factory) as session:
        assert session.scalar(select(func.count()).select_from(Dossier)) == received_in_all  # none received twice
        dossiers = {d.code: d for d in session.scalars(select(Dossier).where(Dossier.code.in_(done)))}
        assert len(dossiers) == len(done)
        ids = {d.id: code for code, d in dossiers.items()}
        unfinished = {code: d.status for code, d in dossiers.items()
                      if d.status != 10 or d.finished_at is None or d.returned_at is None}
        assert not unfinished, unfinished
        instances = session.execute(select(ProcessInstance.dossier_id, ProcessInstance.status,
                                           ProcessInstance.next_timer_at)
                                    .where(ProcessInstance.dossier_id.in_(ids))).all()
        assert all(status == "completed" and timer is None for _, status, timer in instances), \
            [row for row in instances if row[1] != "completed" or row[2] is not None][:5]
        events = Counter(session.execute(select(Event.dossier_id, Event.action).where(Event.dossier_id.in_(ids))).all())
        items = session.execute(select(WorkItem.id, WorkItem.dossier_id, WorkItem.bpmn_id, WorkItem.state,
                                       WorkItem.task_id).where(WorkItem.dossier_id.in_(ids))).all()
        completed_events = Counter(session.scalars(select(Event.work_item_id).where(
            Event.dossier_id.in_(ids), Event.action == "task_completed")).all())
        messages = session.execute(select(Message.id, Message.correlation, Message.state)
                                   .where(Message.correlation.in_(done))).all()
        deliveries = Counter(detail["message_id"] for detail in session.scalars(select(Event.detail).where(
            Event.dossier_id.in_(ids), Event.action == "message_delivered")))
    for dossier_id, code in ids.items():
        plan = done[code]
        assert events[(dossier_id, "dossier_received")] == 1, code
        timed = plan.kind == "late" and plan.slug in TIMER_PROCEDURES
        apologies = [i for i in items if i.dossier_id == dossier_id and i.bpmn_id == APOLOGY_STEP]
        assert len(apologies) == (1 if timed else 0), (code, plan, apologies)  # the timer fired once, or never
        assert events[(dossier_id, "due_extended")] == (1 if timed else 0), (code, plan)
        assert events[(dossier_id, "supplement_requested")] == (1 if plan.kind == "supplement" else 0), (code, plan)
        for action in ("instance_failed", "message_failed", "access_refused"):
            assert events[(dossier_id, action)] == 0, (code, action)
    assert all(state == "completed" for _, _, _, state, _ in items), [i for i in items if i.state != "completed"][:5]
    assert len({(i.dossier_id, i.task_id) for i in items}) == len(items)  # no step projected twice
    assert {i.id for i in items} == set(completed_events) and set(completed_events.values()) == {1}
    assert messages and all(state == "delivered" for _, _, state in messages)
    assert {m.id for m in messages} == set(deliveries) and set(deliveries.values()) == {1}  # each exactly once
    sent = sum(events[(dossier_id, "message_sent")] for dossier_id in ids)
    assert sent == len(messages)


def test_two_servers_and_two_workers_finish_200_dossiers_each_step_timer_and_message_once(deployment):
    done, traffic = run_phase(deployment, plans(deployment, 200))
    assert len(done) == 200
    assert traffic.lost_connections == 0 and set(traffic.statuses) <= {200, 201}, traffic.statuses
    check_nothing_lost_or_doubled(deployment, done, traffic, received_in_all=200)
    assert all(s.alive() for s in deployment.servers + deployment.workers), deployment.logs()


def test_a_web_server_and_a_worker_killed_mid_run_lose_and_double_nothing(deployment):
    todo = plans(deployment, 120)
    expected_steps = 120 * 8

    def kill_midway(traffic: Traffic) -> None:
        deadline = time.monotonic() + 120
        while traffic.completions < expected_steps // 3 and time.monotonic() < deadline:
            time.sleep(0.25)
        deployment.servers[1].kill()  # master and gunicorn workers: a host that lost power, requests in flight
        deployment.workers[1].kill()  # possibly inside a sweep's transaction: its row locks go with it

    done, traffic = run_phase(deployment, todo, during=kill_midway)
    assert not deployment.servers[1].alive() and not deployment.workers[1].alive()
    assert len(done) == 120
    assert traffic.completions >= expected_steps // 3
    assert set(traffic.statuses) <= {200, 201, 409}, traffic.statuses  # 409: a completion sent again
    check_nothing_lost_or_doubled(deployment, done, traffic, received_in_all=200 + 120)
    assert deployment.servers[0].alive() and deployment.workers[0].alive(), deployment.logs()
