"""The OpenAPI document matches the server: generated requests (valid and invalid) to every operation, called
with a token, get answers whose status, content type and body the document declares, and invalid input is
refused. Deterministic and bounded: a fixed seed and a few examples per operation."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from jsonschema import Draft202012Validator  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.config._checks import PositiveDataAcceptanceConfig  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from engine import demo  # noqa: E402
from engine.infra import clock, migrate  # noqa: E402
from engine.infra.db import make_engine, make_sessionmaker, unit_of_work  # noqa: E402
from engine.infra.settings import ROOT, Settings  # noqa: E402
from webapp.app import create_app  # noqa: E402

PASSWORD = "mat-khau-thu-nghiem"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]
DESK, ADMIN = "motcua.tinh", "quantri.tinh"  # versions are the administrator's; everything else the desk's


def demo_app():
    """The app on a demo database of its own (SQLite), built once when the module is collected."""
    folder = Path(tempfile.mkdtemp(prefix="motcua-conformance-"))
    engine = make_engine(f"sqlite:///{folder / 'conformance.db'}")
    migrate.upgrade(engine)
    with unit_of_work(make_sessionmaker(engine)) as session:
        demo.seed_demo(session, clock.now(), PASSWORD, ROOT / "bpmn")
    return create_app(Settings(instance_path=folder, secret_key="conformance", embedded_worker=False,
                               public_rate_limit="100000/minute", sign_in_rate_limit="100000/minute",
                               sign_in_address_rate_limit="100000/minute"), engine=engine)


def issue(username: str) -> str:
    answer = APP.test_client().post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
    return answer.get_json()["token"]


@schemathesis.serializer("application/zip")
def zip_bytes(_context, value):
    """A generated zip body: whatever bytes the generator made of it (mostly not a zip at all)."""
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


APP = demo_app()
TOKENS = {DESK: issue(DESK), ADMIN: issue(ADMIN)}
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)
schema.config.generation.update(max_examples=6, deterministic=True, database="none")
# A read with parameters the document allows is answered, never refused as invalid (422): e.g. a page number within
# the published maximum. Writes may still be refused for what a schema cannot say (an unknown procedure code).
schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
    expected_statuses=["2xx", "401", "403", "404", "409"])


@schema.parametrize()
@settings(max_examples=6, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
def test_every_answer_is_one_the_document_declares(case):
    if case.path == "/tokens/current":
        token = issue(DESK)  # the operation revokes the token it is called with
    else:
        token = TOKENS[ADMIN if "/versions" in case.path or "/migrations" in case.path else DESK]
    checks = CHECKS + [positive_data_acceptance] if case.method == "GET" else CHECKS
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=checks)


def published(path: str, method: str, name: str) -> Draft202012Validator:
    """A validator of the parameter's schema as the document publishes it."""
    document = APP.test_client().get("/api/v1/openapi.json").get_json()
    [parameter] = [p for p in document["paths"][path][method.lower()]["parameters"] if p["name"] == name]
    return Draft202012Validator(parameter["schema"])


def desk_item_id() -> int:
    answer = APP.test_client().get("/api/v1/work-items?view=unit",
                                   headers={"Authorization": f"Bearer {TOKENS[DESK]}"})
    return answer.get_json()["items"][0]["id"]


# The probe's findings, each asked once: the answer is the one expected, and the document declares it.
PROBES = {
    "NUL in a query parameter": ("/work-items", "GET", {"query": {"view": "mine\x00"}}, 400),
    "per_page above the published maximum": ("/work-items", "GET", {"query": {"per_page": 101}}, 422),
    "page above the published maximum": ("/work-items", "GET", {"query": {"page": 1_000_001}}, 422),
    "the last page the document allows": ("/work-items", "GET", {"query": {"page": 1_000_000, "per_page": 100}}, 200),
    "a completion its form refuses": ("/work-items/{item_id}/complete", "POST", {"body": {"data": {"khong_co": 1}}},
                                      422),
    "a code longer than published": ("/dossiers/{code}", "GET", {"path_parameters": {"code": "9" * 101}}, 404),
    "NUL in a body": ("/dossiers", "POST", {"body": {"procedure_code": "1.004227", "channel": "online",
                                                     "applicant": {"name": "Nguyễn\x00Văn A"}}}, 422),
}


@pytest.mark.parametrize("probe", list(PROBES))
def test_the_probes_findings_are_answered_as_documented(probe):
    path, method, parts, expected = PROBES[probe]
    probed = {**parts.get("query", {}), **parts.get("path_parameters", {})}
    if "{item_id}" in path:
        parts = {**parts, "path_parameters": {"item_id": desk_item_id()}}
    case = schema[path][method].Case(**parts)
    response = case.call(headers={"Authorization": f"Bearer {TOKENS[DESK]}"})
    assert response.status_code == expected, (probe, response.text[:300])
    for name, value in probed.items():
        # refused exactly where the document says a value is out of bounds, accepted where it says it is not
        assert published(path, method, name).is_valid(value) == (expected < 400), (probe, name)
    case.validate_response(response, checks=[status_code_conformance, content_type_conformance,
                                             response_schema_conformance])
