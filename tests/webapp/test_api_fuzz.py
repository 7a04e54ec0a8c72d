"""Property-based: requests generated from the published OpenAPI document never make the API answer 500."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from engine.infra import clock, migrate  # noqa: E402

from engine import demo  # noqa: E402
from engine.infra.db import make_engine, make_sessionmaker, unit_of_work  # noqa: E402
from engine.infra.settings import ROOT, Settings  # noqa: E402
from webapp.app import create_app  # noqa: E402

PASSWORD = "mat-khau-thu-nghiem"


def fuzzed_app():
    """The app on a demo database of its own (SQLite), built once when the module is collected."""
    folder = Path(tempfile.mkdtemp(prefix="motcua-fuzz-"))
    engine = make_engine(f"sqlite:///{folder / 'fuzz.db'}")
    migrate.upgrade(engine)
    with unit_of_work(make_sessionmaker(engine)) as session:
        demo.seed_demo(session, clock.now(), PASSWORD, ROOT / "bpmn")
    app = create_app(Settings(instance_path=folder, secret_key="fuzz", embedded_worker=False,
                              public_rate_limit="100000/minute", sign_in_rate_limit="100000/minute"), engine=engine)
    token = app.test_client().post("/api/v1/tokens", json={"username": "motcua.tinh", "password": PASSWORD})
    app.config["FUZZ_TOKEN"] = token.get_json()["token"]
    return app


@schemathesis.serializer("application/zip")
def zip_bytes(_context, value):
    """A generated zip body: whatever bytes the generator made of it (mostly not a zip at all)."""
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


APP = fuzzed_app()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_server_error(case):
    token = APP.config["FUZZ_TOKEN"]
    if case.path == "/tokens/current":  # it revokes the token it is called with: a token of its own
        token = APP.test_client().post("/api/v1/tokens", json={"username": "motcua.tinh", "password": PASSWORD}) \
            .get_json()["token"]
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
    response = case.call()
    assert response.status_code < 500, (case.method, case.formatted_path, case.query, case.body, response.text[:300])
