"""Hardening from the production issue's probe: sessions and tokens end when asked, bounded input answered at
once, authorisation before the body is read, upload limits while the request streams in, another unit's dossier
codes answered like codes never issued, and no server version in the headers."""
from __future__ import annotations

import io
import json
import threading
import time
import urllib.request
import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from apicalls import DOSSIER, bearer, call, refusals, token_for
from webpages import PASSWORD, csrf_token, form_token, inbox_items, login, post_form, receive

from engine import get_dossier, reset_password, ValidationFailed
from engine.infra.db import unit_of_work
from engine.infra.settings import Settings
from engine.models import ApiToken, Attachment, Dossier, Event, Role, User
from engine.workflow.forms import TEXT_MAX, validate_form
from webapp.app import QuietRequestHandler, create_app

SLOW_EMAIL = "a@" + "." * 40000 + "@"  # 7.9 s with the old pattern, the body validated before the role check
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
RECEPTION_URL = "/reception/dinh-chinh-gcn"
CERTIFICATE = "Bản gốc Giấy chứng nhận đã cấp"
FORM = "Đơn đăng ký biến động đất đai, tài sản gắn liền với đất theo Mẫu số 11/ĐK"
DESK_FIELDS = {"action": "receive", "channel": "direct", "return_method": "desk",
               "applicant_name": "Vũ Thị Thu Trang", "components": [FORM, CERTIFICATE]}


class CountingStream(io.BytesIO):
    """A request body that counts what the server reads of it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.consumed = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk

    def readline(self, size=-1):
        chunk = super().readline(size)
        self.consumed += len(chunk)
        return chunk


# ---- Sessions end server-side ----

def test_signing_out_ends_every_copy_of_the_session_cookie(app, client, org):
    login(client, "motcua.tinh")
    copied = client.get_cookie("motcua_session").value
    thief = app.test_client()
    thief.set_cookie("motcua_session", copied)
    assert thief.get("/").status_code == 200  # the copy works while its owner is signed in
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/").get_data(as_text=True))})
    for browser in (thief, client):
        browser.set_cookie("motcua_session", copied)
        answer = browser.get("/")
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")
    assert login(client, "motcua.tinh").status_code == 302  # signing in again works at once
    assert client.get("/").status_code == 200


def test_a_password_reset_ends_the_signed_in_session(client, factory, org, now):
    login(client, "motcua.tinh")
    assert client.get("/").status_code == 200
    with unit_of_work(factory) as session:
        reset_password(session, org["quantri.tinh"], org["motcua.tinh"], "mat-khau-moi-123", "mat-khau-moi-123", now)
    assert client.get("/").headers["Location"].startswith("/login")


def test_a_session_ends_after_its_absolute_lifetime_however_busy_the_user(client, org):
    login(client, "motcua.tinh")

    def signed_in_ago(seconds: int) -> None:
        with client.session_transaction() as cookie:  # the cookie as the browser holds it, re-signed now
            cookie["since"] = int(time.time()) - seconds

    signed_in_ago(11 * 3600 + 59 * 60)  # in use all day: each request renews the idle timeout
    assert client.get("/").status_code == 200
    signed_in_ago(12 * 3600 + 60)  # 12 hours and a minute after signing in
    assert client.get("/").headers["Location"].startswith("/login")
    assert client.get("/").headers["Location"].startswith("/login")  # and it stays ended


def test_overlong_sign_in_fields_are_refused_before_any_lookup(client, org):
    page = client.get("/login")
    answer = client.post("/login", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                         "username": "motcua.tinh", "password": "x" * 100_000})
    assert answer.status_code == 422 and "mật khẩu tối đa 200 ký tự" in answer.get_data(as_text=True)


# ---- API tokens ----

def test_the_calling_token_revokes_itself_and_then_gets_401(client, factory, org):
    token = token_for(client, "motcua.tinh")
    other = token_for(client, "motcua.tinh")
    revoked = call(client, "DELETE", "/api/v1/tokens/current", token=token)
    assert revoked.status_code == 204 and revoked.data == b""
    after = call(client, "GET", "/api/v1/procedures", token=token)
    assert after.status_code == 401 and after.headers["WWW-Authenticate"].startswith("Bearer")
    assert call(client, "DELETE", "/api/v1/tokens/current", token=token).status_code == 401
    assert call(client, "GET", "/api/v1/procedures", token=other).status_code == 200  # only that one token
    with unit_of_work(factory) as session:
        assert session.scalar(select(func.count()).select_from(ApiToken).where(ApiToken.revoked_at.is_not(None))) == 1
        assert session.scalar(select(func.count()).select_from(Event)
                              .where(Event.action == "api_token_revoked")) == 1
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/tokens/current"]["delete"]
    assert set(operation["responses"]) >= {"204", "401"} and operation["security"] == [{"bearer": []}]


# ---- Another unit's dossier codes ----

def test_another_units_dossier_code_is_answered_like_a_code_never_issued_and_logged(client, factory, org, now):
    code = receive(factory, org, now).code
    never = code[:-4] + "9999"
    stranger = token_for(client, "motcua.hoabinh")
    hidden = call(client, "GET", f"/api/v1/dossiers/{code}", token=stranger)
    missing = call(client, "GET", f"/api/v1/dossiers/{never}", token=stranger)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json()["error"]["message"].replace(code, never) == missing.get_json()["error"]["message"]
    logged = refusals(factory)
    assert [(actor, detail["what"]) for actor, detail in logged] == [
        (org["motcua.hoabinh"], f"GET /api/v1/dossiers/{code}")]
    assert logged[0][1]["reason"] == "Bạn không có quyền xem hồ sơ này."
    login(client, "motcua.hoabinh")
    client.get("/")  # the greeting shown once
    for url in (f"/dossiers/{code}", f"/reception/receipts/{code}", f"/dossiers/{code}/mau-06"):
        page, none = client.get(url), client.get(url.replace(code, never))
        assert page.status_code == none.status_code == 404, url
        assert page.get_data(as_text=True).replace(code, never) == none.get_data(as_text=True), url
    assert len(refusals(factory)) == 4


# ---- Authorisation before the body; bounded input ----

def test_a_caller_without_the_role_gets_403_before_the_body_is_read(client, factory, org, now):
    received = receive(factory, org, now).code
    [item_id] = [i for i, _bpmn, code in inbox_items(factory, org["motcua.tinh"]) if code == received]
    attempts = [  # (url, what the caller sends): reception, a desk step, an approval, an upload, by a specialist
        ("/api/v1/dossiers", {**DOSSIER, "applicant": {"name": "A", "email": SLOW_EMAIL}}),
        (f"/api/v1/work-items/{item_id}/complete", {"data": {"ghi_chu_tiep_nhan": "x" * 500_000}}),
        ("/api/v1/procedures/1.004227/versions/1/approve", {"decision_number": "x" * 500_000}),
    ]
    token = token_for(client, "chuyenvien.vpdk")
    for url, sent in attempts:
        body = json.dumps(sent).encode()
        stream = CountingStream(body)
        answer = client.post(url, input_stream=stream, content_length=len(body), content_type="application/json",
                             headers=bearer(token))
        assert (answer.status_code, stream.consumed) == (403, 0), url
    upload = CountingStream(b"PK\x03\x04" + b"0" * 100_000)  # a designer's zip, sent by a specialist
    answer = client.post("/api/v1/procedures/1.004227/versions", input_stream=upload, content_length=100_004,
                         content_type="application/zip", headers=bearer(token))
    assert (answer.status_code, upload.consumed) == (403, 0)
    assert len(refusals(factory)) == 4


def test_the_slow_email_is_refused_at_once_beside_its_field(client, factory, org):
    desk = token_for(client, "motcua.tinh")
    started = time.perf_counter()
    answer = call(client, "POST", "/api/v1/dossiers", token=desk,
                  json={**DOSSIER, "applicant": {**DOSSIER["applicant"], "email": SLOW_EMAIL}})
    elapsed = time.perf_counter() - started
    assert answer.status_code == 422 and "applicant.email" in answer.get_json()["error"]["fields"]
    assert elapsed < 2, elapsed  # a guard against the 7.9 s stall, not a performance target
    with unit_of_work(factory) as session:
        assert session.scalar(select(func.count()).select_from(Dossier)) == 0


def test_an_api_body_over_the_limit_is_413_before_it_is_read(client, org):
    body = json.dumps({**DOSSIER, "components": ["x" * 1000] * 1200}).encode()
    stream = CountingStream(body)
    answer = client.post("/api/v1/dossiers", input_stream=stream, content_length=len(body),
                         content_type="application/json", headers=bearer(token_for(client, "motcua.tinh")))
    assert answer.status_code == 413 and stream.consumed == 0
    assert "tối đa 1 MB" in answer.get_json()["error"]["message"]


def test_paging_beyond_the_published_bounds_is_refused_not_capped(client, org):
    token = token_for(client, "motcua.tinh")
    for query in ("per_page=101", "page=1000001", "page=0", "per_page=abc"):
        answer = call(client, "GET", f"/api/v1/work-items?{query}", token=token)
        assert answer.status_code == 422, query
    assert call(client, "GET", "/api/v1/work-items?per_page=100&page=1000000", token=token).status_code == 200
    assert call(client, "GET", "/api/v1/work-items?view=mine%00", token=token).status_code == 400
    assert call(client, "GET", "/api/v1/dossiers/" + "9" * 101, token=token).status_code == 404


def test_a_form_text_over_the_bound_is_refused_before_the_forms_own_pattern_runs():
    backtracking = {"type": "object", "properties": {"so": {"type": "string", "pattern": "^(a+)+$"}}}
    with pytest.raises(ValidationFailed) as refused:
        validate_form(backtracking, {"so": "a" * (TEXT_MAX + 1) + "!"})
    assert refused.value.errors == {"so": [f"Tối đa {TEXT_MAX} ký tự."]}


def test_a_number_json_cannot_hold_is_refused_beside_its_field():
    """A JSON body may carry NaN or an infinity (Python's reader takes them); stored, they would be null or break
    the save on PostgreSQL."""
    schema = {"type": "object", "properties": {"so": {"type": "number"}, "ds": {"type": "array"}}}
    with pytest.raises(ValidationFailed) as refused:
        validate_form(schema, {"so": float("nan"), "ds": [1.5, float("-inf")]})
    assert refused.value.errors == {"so": ["Số không hợp lệ."], "ds.1": ["Số không hợp lệ."]}
    assert validate_form(schema, {"so": 1.5, "ds": [0.0]}) == {"so": 1.5, "ds": [0.0]}


def test_the_api_refuses_nan_in_a_step_form_and_the_step_stays_open(client, org):
    desk = token_for(client, "motcua.tinh")
    code = call(client, "POST", "/api/v1/dossiers", token=desk, json=DOSSIER).get_json()["code"]
    mine = call(client, "GET", "/api/v1/work-items?view=unit", token=desk).get_json()["items"]
    step = next(item for item in mine if item["dossier_code"] == code)
    answer = call(client, "POST", f"/api/v1/work-items/{step['id']}/complete", token=desk,
                  data='{"data": {"da_kiem_tra_thanh_phan": true, "so_trang": NaN}}',
                  headers={"Content-Type": "application/json"})
    assert answer.status_code == 422 and "Số không hợp lệ." in json.dumps(answer.get_json(), ensure_ascii=False), \
        answer.get_json()
    still = call(client, "GET", "/api/v1/work-items?view=unit", token=desk).get_json()["items"]
    assert step["id"] in [item["id"] for item in still]


def test_an_overlong_step_note_is_shown_beside_its_field_and_nothing_advances(client, factory, org, now):
    code = receive(factory, org, now).code
    login(client, "motcua.tinh")
    [item_id] = [i for i, _bpmn, c in inbox_items(factory, org["motcua.tinh"]) if c == code]
    page = client.get(f"/tasks/{item_id}")
    answer = client.post(f"/tasks/{item_id}", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                                    "da_kiem_tra_thanh_phan": "true",
                                                    "ghi_chu_tiep_nhan": "x" * 2001})
    assert answer.status_code == 422 and "Tối đa 2000 ký tự." in answer.get_data(as_text=True)
    with unit_of_work(factory) as session:
        assert get_dossier(session, code).status == 2


def test_an_overlong_reason_on_the_dossier_page_is_shown_beside_it_and_nothing_changes(client, factory, org, now):
    code = receive(factory, org, now).code
    page = f"/dossiers/{code}"
    login(client, "lanhdao.vpdk")
    answer = post_form(client, f"{page}/stop", {"reason": "x" * 2001}, page)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "field-error" in html and "Tối đa 2000 ký tự." in html
    login(client, "chuyenvien.vpdk")
    answer = post_form(client, f"{page}/request-supplement",
                       {"missing": "\n".join(f"Giấy tờ {n}" for n in range(60)), "reason": "Thiếu"}, page)
    assert answer.status_code == 422 and "Tối đa 50 thành phần" in answer.get_data(as_text=True)
    with unit_of_work(factory) as session:
        assert get_dossier(session, code).status not in (5, 8)


# ---- Upload limits while the request streams in ----

@pytest.fixture
def small_limits(db_engine, tmp_path, fixed_clock):
    settings = Settings(instance_path=tmp_path / "limited", secret_key="test", embedded_worker=False,
                        attachment_max_bytes=50_000, upload_max_bytes=120_000)
    return create_app(settings, engine=db_engine)


def nothing_stored(factory, app) -> bool:
    storage = app.config["MOTCUA_SETTINGS"].attachment_dir
    with unit_of_work(factory) as session:
        rows = session.scalar(select(func.count()).select_from(Dossier)) + \
            session.scalar(select(func.count()).select_from(Attachment))
    return rows == 0 and not (storage.exists() and any(p.is_file() for p in storage.rglob("*")))


def test_a_file_over_the_limit_is_413_as_it_streams_in_and_nothing_is_stored(small_limits, factory, org):
    client = small_limits.test_client()
    login(client, "motcua.tinh")
    page = client.get(RECEPTION_URL).get_data(as_text=True)
    token, once = csrf_token(page), form_token(page)
    big = PDF + b"0" * 100_000  # over the file's limit, under the post's
    answer = client.post(RECEPTION_URL, content_type="multipart/form-data", data={
        "csrf_token": token, "form_token": once, **DESK_FIELDS, "file_1": (io.BytesIO(big), "gcn-quet.pdf")})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 413 and "gcn-quet.pdf" in html and "mỗi tệp tối đa 0.05 MB" in html
    assert nothing_stored(factory, small_limits)
    fine = client.post(RECEPTION_URL, content_type="multipart/form-data", data={
        "csrf_token": token, "form_token": once, **DESK_FIELDS, "file_1": (io.BytesIO(PDF), "gcn-quet.pdf")})
    assert fine.status_code == 302  # the same post with a small scan is received


def test_the_per_file_limit_stops_reading_the_body(small_limits, org):
    client = small_limits.test_client()
    login(client, "motcua.tinh")
    boundary = "gioi-han"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file_1\"; filename=\"lon.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + PDF + b"0" * 110_000 + f"\r\n--{boundary}--\r\n".encode()
    stream = CountingStream(body)
    answer = client.post(RECEPTION_URL, input_stream=stream, content_length=len(body),
                         content_type=f"multipart/form-data; boundary={boundary}")
    assert answer.status_code == 413 and stream.consumed < len(body)


def test_a_post_over_the_request_limit_is_413_before_it_is_read(small_limits, factory, org):
    client = small_limits.test_client()
    login(client, "motcua.tinh")
    token = csrf_token(client.get(RECEPTION_URL).get_data(as_text=True))
    scans = {f"file_{n}": (io.BytesIO(PDF + b"0" * 45_000), f"quet-{n}.pdf") for n in range(3)}
    answer = client.post(RECEPTION_URL, content_type="multipart/form-data",
                         data={"csrf_token": token, **DESK_FIELDS, **scans})
    assert answer.status_code == 413 and "cả lần gửi tối đa 0.12 MB" in answer.get_data(as_text=True)
    assert nothing_stored(factory, small_limits)


# ---- No server version ----

def test_the_development_server_names_no_software_version(app, org):
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/login", timeout=10) as answer:
            headers = answer.headers
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert headers.get_all("Server") == ["motcua"]
    assert not any("werkzeug" in value.lower() or "python" in value.lower() for value in headers.values())


def test_sign_in_stays_cheap(client, db_engine, org):
    """Signing in writes nothing: the session generation comes with the user row, no session is stored."""
    from sqlalchemy import event

    statements = []

    def count(*args):
        statements.append(args[2])

    page = client.get("/login")
    event.listen(db_engine, "before_cursor_execute", count)
    try:
        client.post("/login", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                    "username": "motcua.tinh", "password": PASSWORD})
    finally:
        event.remove(db_engine, "before_cursor_execute", count)
    assert not [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))], statements


def test_overlong_names_in_the_administration_pages_are_shown_beside_their_field(client, factory, org):
    login(client, "quantri.tinh")
    long_name = "Nguyễn " * 60
    made = post_form(client, "/admin/users/new", {"username": "ten.dai", "full_name": long_name,
                                                  "password": "mat-khau-123", "password_again": "mat-khau-123"})
    assert made.status_code == 422 and "Họ và tên tối đa 255 ký tự." in made.get_data(as_text=True)
    role = post_form(client, "/admin/roles", {"key": "ten_dai", "name": long_name}, "/admin/roles")
    assert role.status_code == 422 and "Tên vai trò tối đa 255 ký tự." in role.get_data(as_text=True)
    with unit_of_work(factory) as session:
        assert session.scalar(select(func.count()).select_from(User).where(User.username == "ten.dai")) == 0
        assert session.scalar(select(func.count()).select_from(Role).where(Role.key == "ten_dai")) == 0
