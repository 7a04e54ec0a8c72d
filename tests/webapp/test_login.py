"""Signing in and out, pages behind the login, CSRF and the session cookie."""
from __future__ import annotations

import stat

from engine.infra.settings import Settings
from webapp.app import create_app

from webpages import PASSWORD, csrf_token, login


def test_login_page_is_in_vietnamese(client):
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="vi">' in html and 'charset="utf-8"' in html
    assert "motcua — Một cửa điện tử" in html and "Tên đăng nhập" in html and "Mật khẩu" in html


def test_wrong_password_is_refused_with_a_vietnamese_message(client, org):
    response = login(client, "motcua.tinh", "sai-mat-khau")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_user_gets_the_same_message(client, org):
    response = login(client, "khong.ton.tai", "mat-khau-bat-ky")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)


def test_login_shows_the_inbox_with_the_users_full_name(client, org):
    response = login(client, "motcua.tinh")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    html = client.get("/").get_data(as_text=True)
    assert "Công việc của tôi" in html and "Nguyễn Thị Lan" in html and "Đăng xuất" in html


def test_pages_require_login(client, org):
    for url in ("/", "/tasks/1"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_login_returns_to_the_requested_page_but_never_off_site(app, org):
    for target, expected in [("/tasks/7", "/tasks/7"), ("//evil.example/x", "/"), ("https://evil.example", "/"),
                             ("/\\evil.example", "/")]:
        client = app.test_client()
        token = csrf_token(client.get("/login").get_data(as_text=True))
        response = client.post("/login", query_string={"next": target},
                               data={"csrf_token": token, "username": "motcua.tinh", "password": PASSWORD})
        assert response.headers["Location"] == expected, target


def test_post_without_csrf_token_is_refused(client, org):
    response = client.post("/login", data={"username": "motcua.tinh", "password": "mat-khau-thu-nghiem"})
    assert response.status_code == 400
    assert "mã bảo vệ CSRF" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in


def test_post_with_a_forged_csrf_token_is_refused(client, org):
    login(client, "motcua.tinh")
    response = client.post("/logout", data={"csrf_token": "gia-mao"})
    assert response.status_code == 400
    assert client.get("/").status_code == 200  # still signed in


def test_logout_is_a_post_and_ends_the_session(client, org):
    login(client, "motcua.tinh")
    assert client.get("/logout").status_code == 405
    token = csrf_token(client.get("/").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_session_cookie_is_http_only_and_same_site_lax(client, org):
    response = login(client, "motcua.tinh")
    cookie = next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("motcua_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_pages_carry_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_missing_secret_key_is_generated_once_and_kept_private(db_engine, tmp_path):
    settings = Settings(instance_path=tmp_path / "inst", secret_key="", embedded_worker=False)
    first = create_app(settings, engine=db_engine)
    second = create_app(settings, engine=db_engine)
    key_file = tmp_path / "inst" / "secret_key"
    assert first.secret_key == second.secret_key == key_file.read_text().strip()
    assert len(first.secret_key) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert list((tmp_path / "inst").iterdir()) == [key_file]  # no draft left behind


def test_behind_https_the_session_cookie_is_secure_and_hsts_is_sent(db_engine, tmp_path, org):
    from webpages import csrf_token

    from engine.infra.settings import Settings

    app = create_app(Settings(instance_path=tmp_path / "https", secret_key="t", embedded_worker=False,
                              secure_cookies=True), engine=db_engine)
    client = app.test_client()
    page = client.get("/login")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    response = client.post("/login", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                           "username": "motcua.tinh", "password": "mat-khau-thu-nghiem"})
    assert "Secure" in response.headers["Set-Cookie"]


def test_by_default_no_hsts_is_sent(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
