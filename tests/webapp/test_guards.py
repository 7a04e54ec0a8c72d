"""Hostile input never becomes a server error, and password or secret guessing is slowed down."""
from __future__ import annotations

from apicalls import call, token_for
from webpages import csrf_token, login, receive

from engine.infra.settings import Settings
from webapp.app import create_app


def limited_client(db_engine, tmp_path, **limits):
    settings = Settings(instance_path=tmp_path / "limited", secret_key="test", embedded_worker=False, **limits)
    return create_app(settings, engine=db_engine).test_client()


def test_a_nul_character_anywhere_is_a_bad_request_not_a_server_error(client, org):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"csrf_token": token, "username": "a\x00", "password": "x"}).status_code == 400
    token = csrf_token(client.get("/tra-cuu").get_data(as_text=True))
    assert client.post("/tra-cuu", data={"csrf_token": token, "code": "abc\x00", "secret": "x"}).status_code == 400
    login(client, "motcua.tinh")
    for url in ("/dossiers?q=%00", "/?q=%00", "/?procedure=%00", "/dossiers/%00x", "/reception/%00"):
        assert client.get(url).status_code == 400, url
    assert call(client, "GET", "/api/v1/procedures?x=%00", "motcua.tinh").status_code == 400


def test_odd_numbers_and_huge_ids_are_refused_cleanly(client, factory, org, now):
    receipt = receive(factory, org, now)
    login(client, "motcua.tinh")
    assert client.get("/tasks/99999999999999999999").status_code == 404
    assert client.get("/register?unit=²").status_code == 422
    assert client.get("/register?from=9999-12-01&to=9999-12-31").status_code == 422
    assert client.get("/dossiers?page=100000000000000000000").status_code in (200, 422)
    page = client.get(f"/dossiers/{receipt.code}").get_data(as_text=True)
    response = client.post(f"/dossiers/{receipt.code}/record-fee",
                           data={"csrf_token": csrf_token(page), "amount": "²", "receipt_no": "BL-1"})
    assert response.status_code == 422
    assert call(client, "GET", "/api/v1/work-items?page=²", "motcua.tinh").status_code == 422
    token = csrf_token(client.get("/tra-cuu").get_data(as_text=True))
    rated = client.post("/tra-cuu/danh-gia", data={"csrf_token": token, "code": receipt.code,
                                                    "secret": receipt.secret, "rating": "²"})
    assert rated.status_code == 422


def test_password_guessing_is_slowed_on_the_page_and_the_api_alike(db_engine, tmp_path, org):
    client = limited_client(db_engine, tmp_path, sign_in_rate_limit="3/minute")
    for _ in range(2):
        assert login(client, "motcua.tinh", "sai-mat-khau").status_code == 401
    wrong = {"username": "motcua.tinh", "password": "sai-mat-khau"}
    assert client.post("/api/v1/tokens", json=wrong).status_code == 401
    assert client.post("/api/v1/tokens", json=wrong).status_code == 429
    assert login(client, "motcua.tinh").status_code == 429  # even the right password waits now
    assert login(client, "chuyenvien.vpdk").status_code == 302  # another account is not locked out by it


def test_the_three_ways_of_trying_a_secret_share_one_budget(db_engine, tmp_path, factory, org, now):
    client = limited_client(db_engine, tmp_path, public_rate_limit="3/minute")
    receipt = receive(factory, org, now)
    for _ in range(2):
        token = csrf_token(client.get("/tra-cuu").get_data(as_text=True))
        assert client.post("/tra-cuu", data={"csrf_token": token, "code": receipt.code,
                                              "secret": "SAIMATRA"}).status_code == 404
    api = f"/api/v1/public/dossiers/{receipt.code}?secret={receipt.secret}"
    assert client.get(api).status_code == 200
    assert client.get(api).status_code == 429
