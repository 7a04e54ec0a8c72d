"""API errors are JSON with the right status and field paths; garbage bodies never become a 500."""
from __future__ import annotations

import pytest
from apicalls import DOSSIER, call, token_for

from webpages import APPLICANT

NASTY_BODIES = [
    "[]", "null", "42", '"chuỗi"', "{", "\x00\xff", '{"procedure_code": null}', '{"applicant": []}',
    '{"procedure_code": ["1.004227"], "applicant": "x", "channel": 7}',
    '{"procedure_code": "' + "x" * 100_000 + '", "applicant": {"name": "A"}, "channel": "online"}',
    '{"procedure_code": "1.004227", "applicant": {"name": "' + "A" * 5000 + '"}, "channel": "online"}',
    '{"procedure_code": "1.004227", "applicant": {"name": "A"}, "channel": "online", "received_at": 12}',
    '{"procedure_code": "1.004227", "applicant": {"name": "A"}, "channel": "online", "received_at": "hôm qua"}',
    '{"procedure_code": "1.004227", "applicant": {"name": "A"}, "channel": "online", "components": [null]}',
    '{"username": "motcua\\u0000", "password": "x\\u0000"}',
    '{"procedure_code": "1.0\\u0000", "applicant": {"name": "\\u0000"}, "channel": "online", "data": {"a": "\\u0000"}}',
    '{"data": {"da_kiem_tra_thanh_phan": "\\u0000"}}',
]


def test_body_that_is_not_a_json_object_is_400(client, org):
    token = token_for(client, "motcua.tinh")
    for body in ("[1, 2]", "không phải JSON"):
        response = call(client, "POST", "/api/v1/dossiers", token=token, data=body, content_type="application/json")
        assert response.status_code == 400 and response.is_json
        assert response.get_json()["error"]["message"]


def test_bad_applicant_fields_are_reported_by_path(client, org):
    bad = {**DOSSIER, "applicant": {**APPLICANT, "id_number": "12ab", "phone": "x"}, "channel": "fax"}
    response = call(client, "POST", "/api/v1/dossiers", "motcua.tinh", json=bad)
    fields = response.get_json()["error"]["fields"]
    assert response.status_code == 422
    assert {"applicant.id_number", "applicant.phone", "channel"} <= set(fields)
    assert fields["applicant.phone"] == ["Không đúng định dạng."]


def test_unknown_procedure_is_404(client, org):
    response = call(client, "POST", "/api/v1/dossiers", "motcua.tinh", json={**DOSSIER, "procedure_code": "9.999"})
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


@pytest.mark.parametrize("body", NASTY_BODIES)
def test_garbage_body_is_a_client_error_never_a_500(client, org, body):
    token = token_for(client, "motcua.tinh")
    for url in ("/api/v1/dossiers", "/api/v1/tokens", "/api/v1/work-items/1/complete"):
        response = call(client, "POST", url, token=token, data=body.encode("utf-8", "surrogatepass"),
                        content_type="application/json")
        assert 400 <= response.status_code < 500 and response.is_json, (url, response.status_code)


def test_nul_characters_in_the_address_are_refused_not_sent_to_the_database(client, org):
    token = token_for(client, "motcua.tinh")
    for url in ("/api/v1/dossiers/A%00B", "/api/v1/procedures/%00", "/api/v1/public/dossiers/X?secret=%00",
                "/api/v1/work-items?view=%00"):
        response = call(client, "GET", url, token=token)
        assert 400 <= response.status_code < 500 and response.is_json, url


def test_double_claim_and_double_completion_are_conflicts(client, org):
    desk = token_for(client, "motcua.tinh")
    code = call(client, "POST", "/api/v1/dossiers", token=desk, json=DOSSIER).get_json()["code"]
    item = next(i for i in call(client, "GET", "/api/v1/work-items?view=unit", token=desk).get_json()["items"]
                if i["dossier_code"] == code)
    url = f"/api/v1/work-items/{item['id']}"
    bad_form = call(client, "POST", f"{url}/complete", token=desk, json={"data": {"khong_co": 1}})
    assert bad_form.status_code == 422 and "khong_co" in bad_form.get_json()["error"]["fields"]
    assert call(client, "POST", f"{url}/complete", token=desk,
                json={"data": {"da_kiem_tra_thanh_phan": True}}).status_code == 200
    again = call(client, "POST", f"{url}/complete", token=desk, json={"data": {"da_kiem_tra_thanh_phan": True}})
    assert again.status_code == 409 and again.is_json
    assert call(client, "POST", f"{url}/claim", token=desk).status_code == 409


def test_item_claimed_by_another_official_cannot_be_claimed(client, factory, org):
    from engine import create_user, grant_role
    from engine.infra.db import unit_of_work
    from engine.infra.clock import now

    with unit_of_work(factory) as session:
        grant_role(session, create_user(session, "motcua.tinh2", "Lê Thị Thu", "mat-khau-thu-nghiem", now()),
                   "mot_cua", "000.00.01.H99")
    desk = token_for(client, "motcua.tinh")
    code = call(client, "POST", "/api/v1/dossiers", token=desk, json=DOSSIER).get_json()["code"]
    item = next(i for i in call(client, "GET", "/api/v1/work-items?view=unit", token=desk).get_json()["items"]
                if i["dossier_code"] == code)
    assert call(client, "POST", f"/api/v1/work-items/{item['id']}/claim", token=desk).status_code == 200
    other = call(client, "POST", f"/api/v1/work-items/{item['id']}/claim", "motcua.tinh2")
    assert other.status_code == 409 and other.get_json()["error"]["message"]


def test_work_item_of_another_unit_is_403(client, org):
    desk = token_for(client, "motcua.tinh")
    code = call(client, "POST", "/api/v1/dossiers", token=desk, json=DOSSIER).get_json()["code"]
    item = next(i for i in call(client, "GET", "/api/v1/work-items?view=unit", token=desk).get_json()["items"]
                if i["dossier_code"] == code)
    stranger = token_for(client, "motcua.hoabinh")
    assert call(client, "GET", f"/api/v1/work-items/{item['id']}", token=stranger).status_code == 403
    assert call(client, "POST", f"/api/v1/work-items/{item['id']}/complete", token=stranger,
                json={"data": {"da_kiem_tra_thanh_phan": True}}).status_code == 403
    assert call(client, "GET", "/api/v1/work-items/999999", token=stranger).status_code == 404


def test_unknown_url_wrong_method_and_bad_query_are_json(client, org):
    token = token_for(client, "motcua.tinh")
    unknown = client.get("/api/v1/khong-co")
    wrong_method = call(client, "DELETE", "/api/v1/procedures", token=token)
    bad_view = call(client, "GET", "/api/v1/work-items?view=tat-ca", token=token)
    bad_page = call(client, "GET", "/api/v1/work-items?page=-1", token=token)
    assert (unknown.status_code, wrong_method.status_code, bad_view.status_code, bad_page.status_code) == (
        404, 405, 422, 422)
    assert all(r.is_json for r in (unknown, wrong_method, bad_view, bad_page))
    assert "GET" in wrong_method.headers["Allow"] and "page" in bad_page.get_json()["error"]["fields"]
    assert client.get("/khong-co-trang-nay").mimetype == "text/html"  # pages keep their HTML errors


def test_unexpected_error_is_a_json_500_without_details(app, client, caplog):
    def broken():
        raise RuntimeError("bí mật nội bộ")

    app.view_functions["api.procedures"], original = broken, app.view_functions["api.procedures"]
    try:
        response = client.get("/api/v1/procedures")
    finally:
        app.view_functions["api.procedures"] = original
    assert response.status_code == 500 and response.is_json
    assert "bí mật nội bộ" not in response.get_data(as_text=True) and "bí mật nội bộ" in caplog.text


def test_too_large_body_is_a_json_413(client, org):
    token = token_for(client, "motcua.tinh")
    response = call(client, "POST", "/api/v1/dossiers", token=token, data=b"{" + b" " * 5_000_000 + b"}",
                    content_type="application/json")
    assert response.status_code == 413 and response.is_json


def test_desk_officer_of_several_units_names_the_receiving_unit(client, factory, org):
    from engine import get_user, grant_role
    from engine.infra.db import unit_of_work

    with unit_of_work(factory) as session:
        grant_role(session, get_user(session, org["motcua.tinh"]), "mot_cua", "000.00.11.H99")
    token = token_for(client, "motcua.tinh")
    unnamed = call(client, "POST", "/api/v1/dossiers", token=token, json=DOSSIER)
    assert unnamed.status_code == 422 and "receiving_unit_code" in unnamed.get_json()["error"]["fields"]
    elsewhere = call(client, "POST", "/api/v1/dossiers", token=token,
                     json={**DOSSIER, "receiving_unit_code": "000.21.01.H99"})
    assert elsewhere.status_code == 403
    named = call(client, "POST", "/api/v1/dossiers", token=token,
                 json={**DOSSIER, "receiving_unit_code": "000.00.11.H99"})
    assert named.status_code == 201 and named.get_json()["code"].startswith("000.00.11.H99-")
