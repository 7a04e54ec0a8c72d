"""The JSON API as another system uses it: tokens, reception, the dossier, work items, the public lookup."""
from __future__ import annotations

from datetime import datetime, timedelta

from apicalls import DOSSIER, bearer, call, refusals, token_for
from webpages import APPRAISAL, RECEPTION

from engine import get_procedure
from engine.org.calendar import legal_due
from engine.infra.db import unit_of_work
from engine.onestop.reception import _cutoff
from engine.org.calendar import unit_calendar

APPRAISAL_DATA = {"noi_dung_sai_sot": "Sai năm sinh", "nguyen_nhan": "Nhập liệu", "de_xuat": "dinh_chinh"}


def receive(client, token, **overrides):
    return call(client, "POST", "/api/v1/dossiers", token=token, json={**DOSSIER, **overrides})


def test_token_is_issued_for_good_credentials_and_opens_the_api(client, org, fixed_clock):
    response = client.post("/api/v1/tokens", json={"username": "motcua.tinh", "password": "mat-khau-thu-nghiem"})
    body = response.get_json()
    assert response.status_code == 201 and body["token_type"] == "Bearer"
    expires = datetime.fromisoformat(body["expires_at"])
    assert expires.utcoffset() == timedelta(hours=7) and expires == fixed_clock.now() + timedelta(hours=8)
    listing = client.get("/api/v1/procedures", headers=bearer(body["token"]))
    assert listing.status_code == 200
    assert "1.004227" in [p["code"] for p in listing.get_json()["items"]]
    assert "Set-Cookie" not in response.headers and "Set-Cookie" not in listing.headers


def test_wrong_password_gets_401_and_is_logged(client, factory, org):
    response = client.post("/api/v1/tokens", json={"username": "motcua.tinh", "password": "sai-mat-khau"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "sai-mat-khau" not in str(refusals(factory)) and refusals(factory)[0][1]["username"] == "motcua.tinh"


def test_missing_invalid_and_expired_tokens_get_401_and_are_logged(client, factory, org, fixed_clock):
    token = token_for(client, "motcua.tinh")
    assert client.get("/api/v1/procedures").status_code == 401
    assert call(client, "GET", "/api/v1/procedures", token="khong-phai-token").status_code == 401
    fixed_clock.advance(hours=8)
    expired = call(client, "GET", "/api/v1/procedures", token=token)
    assert expired.status_code == 401 and expired.headers["WWW-Authenticate"].startswith("Bearer")
    assert expired.get_json()["error"]["status"] == 401
    logged = refusals(factory)
    assert len(logged) == 3 and all(detail["what"].endswith("/api/v1/procedures") for _, detail in logged)
    assert token not in str(logged)


def test_procedure_detail_lists_documents_and_fees(client, org):
    response = call(client, "GET", "/api/v1/procedures/1.004227", "chuyenvien.vpdk")
    body = response.get_json()
    assert response.status_code == 200 and body["code"] == "1.004227" and body["active_version"] == 1
    assert body["documents"] and all("name" in doc for doc in body["documents"])
    assert "fees" in body


def test_postal_dossier_is_due_from_its_arrival_time(client, factory, org, now):
    arrived = now - timedelta(days=3)  # a Friday: the post brought it before the call
    response = receive(client, token_for(client, "motcua.tinh"), channel="postal", received_at=arrived.isoformat())
    body = response.get_json()
    assert response.status_code == 201, body
    with unit_of_work(factory) as session:
        procedure = get_procedure(session, "1.004227")
        expected = legal_due(unit_calendar(session, procedure.deciding_unit_id), arrived, procedure.time_limit,
                             _cutoff(procedure.cutoff_hour))
    assert datetime.fromisoformat(body["due_at"]) == expected
    assert body["due_at"].endswith("+07:00") and datetime.fromisoformat(body["received_at"]) == arrived
    assert body["status"] == 2 and len(body["secret"]) == 8
    assert response.headers["Location"].endswith(f"/api/v1/dossiers/{body['code']}")


def test_naive_or_future_reception_time_is_refused_on_its_field(client, org, now):
    token = token_for(client, "motcua.tinh")
    naive = receive(client, token, received_at="2026-03-02T08:00:00")
    future = receive(client, token, received_at=(now + timedelta(days=1)).isoformat())
    assert naive.status_code == future.status_code == 422
    assert "received_at" in naive.get_json()["error"]["fields"]
    assert "received_at" in future.get_json()["error"]["fields"]


def test_official_without_the_desk_role_cannot_receive(client, factory, org):
    response = receive(client, token_for(client, "chuyenvien.vpdk"))
    assert response.status_code == 403
    assert refusals(factory)[0][0] == org["chuyenvien.vpdk"]  # logged once, under the token's holder
    assert len(refusals(factory)) == 1


def test_officer_of_another_unit_cannot_open_the_dossier(client, org):
    code = receive(client, token_for(client, "motcua.tinh")).get_json()["code"]
    assert call(client, "GET", f"/api/v1/dossiers/{code}", "motcua.hoabinh").status_code == 404
    assert call(client, "GET", "/api/v1/dossiers/KHONG-CO", "motcua.tinh").status_code == 404


def test_dossier_travels_through_the_api_from_reception_to_the_specialist(client, org):
    desk = token_for(client, "motcua.tinh")
    receipt = receive(client, desk).get_json()
    mine = call(client, "GET", "/api/v1/work-items?view=unit", token=desk).get_json()["items"]
    step = next(item for item in mine if item["dossier_code"] == receipt["code"])
    assert step["name"] == RECEPTION and step["unit_code"] == "000.00.01.H99" and step["assignee"] is None
    detail = call(client, "GET", f"/api/v1/work-items/{step['id']}", token=desk).get_json()
    assert "da_kiem_tra_thanh_phan" in detail["form"]["properties"]
    done = call(client, "POST", f"/api/v1/work-items/{step['id']}/complete", token=desk,
                json={"data": {"da_kiem_tra_thanh_phan": True}})
    assert done.status_code == 200 and done.get_json()["dossier_code"] == receipt["code"]

    specialist = token_for(client, "chuyenvien.vpdk")
    pool = call(client, "GET", "/api/v1/work-items?view=unit", token=specialist).get_json()
    appraisal = next(item for item in pool["items"] if item["dossier_code"] == receipt["code"])
    claimed = call(client, "POST", f"/api/v1/work-items/{appraisal['id']}/claim", token=specialist)
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "chuyenvien.vpdk"
    assert [i["id"] for i in call(client, "GET", "/api/v1/work-items?view=mine", token=specialist)
            .get_json()["items"]] == [appraisal["id"]]
    completed = call(client, "POST", f"/api/v1/work-items/{appraisal['id']}/complete", token=specialist,
                     json={"data": APPRAISAL_DATA})
    assert completed.status_code == 200 and completed.get_json()["verdict"] in {"early", "on_time"}

    dossier = call(client, "GET", f"/api/v1/dossiers/{receipt['code']}", token=specialist).get_json()
    states = [(step["name"], step["state"]) for step in dossier["timeline"]]
    assert states[:2] == [(RECEPTION, "completed"), (APPRAISAL, "completed")]
    assert dossier["timeline"][1]["completed_by"] and dossier["receiving_unit_code"] == "000.00.01.H99"
    assert dossier["received_at"].endswith("+07:00")


def test_public_lookup_needs_the_secret_but_no_token(client, factory, org):
    receipt = receive(client, token_for(client, "motcua.tinh")).get_json()
    found = client.get(f"/api/v1/public/dossiers/{receipt['code']}?secret={receipt['secret']}")
    assert found.status_code == 200 and found.get_json()["status"] == receipt["status"]
    assert "applicant" not in found.get_json()
    wrong = client.get(f"/api/v1/public/dossiers/{receipt['code']}?secret=SAIMAMA1")
    unknown = client.get(f"/api/v1/public/dossiers/KHONG-CO?secret={receipt['secret']}")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.get_json()["error"]["message"] == unknown.get_json()["error"]["message"]
    assert len(refusals(factory)) == 2 and "SAIMAMA1" not in str(refusals(factory))


def test_public_lookup_is_rate_limited_with_a_json_429(db_engine, tmp_path, org):
    from engine.infra.settings import Settings
    from webapp.app import create_app

    settings = Settings(instance_path=tmp_path / "limited", secret_key="test", embedded_worker=False,
                        public_rate_limit="2/minute")
    client = create_app(settings, engine=db_engine).test_client()
    answers = [client.get("/api/v1/public/dossiers/KHONG-CO?secret=X").status_code for _ in range(3)]
    assert answers == [404, 404, 429]
    limited = client.get("/api/v1/public/dossiers/KHONG-CO?secret=X")
    assert limited.is_json and limited.get_json()["error"]["status"] == 429
