"""Engine and HTTP errors become Vietnamese pages with the right status, never a traceback."""
from __future__ import annotations

import pytest

from engine import (
    AuthenticationFailed,
    Conflict,
    Forbidden,
    InvalidProcess,
    MotcuaError,
    NotFound,
    ScriptError,
    ValidationFailed,
)
from webapp.errors import status_of

from tests.webapp.webpages import login


@pytest.mark.parametrize("error, status", [
    (NotFound("x"), 404), (Forbidden("x"), 403), (Conflict("x"), 409), (ValidationFailed("x"), 422),
    (AuthenticationFailed("x"), 401), (InvalidProcess("x"), 422), (ScriptError("x"), 400), (MotcuaError("x"), 400),
])
def test_each_engine_error_has_its_status(error, status):
    assert status_of(error) == status


def test_unexpected_exception_is_a_generic_500_page(app, caplog):
    @app.get("/hong")
    def broken():
        raise RuntimeError("bí mật nội bộ")

    response = app.test_client().get("/hong")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Đã xảy ra lỗi ngoài dự kiến." in html and '<html lang="vi">' in html
    assert "bí mật nội bộ" not in html and "Traceback" not in html
    assert "bí mật nội bộ" in caplog.text  # the details go to the log


def test_engine_error_raised_by_a_view_gets_its_page(app):
    @app.get("/xung-dot")
    def conflicting():
        raise Conflict("Hồ sơ vừa được người khác cập nhật.")

    response = app.test_client().get("/xung-dot")
    assert response.status_code == 409
    assert "Hồ sơ vừa được người khác cập nhật." in response.get_data(as_text=True)


def test_unknown_page_is_a_vietnamese_404(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy trang bạn yêu cầu." in response.get_data(as_text=True)


def test_an_error_page_sends_a_citizen_to_the_lookup_and_an_official_to_their_own_first_page(client, org):
    anonymous = client.get("/ho-so/khong-co").get_data(as_text=True)
    assert 'href="/tra-cuu"' in anonymous and "Tra cứu tình trạng hồ sơ" in anonymous
    assert "Về trang" not in anonymous

    login(client, "motcua.tinh")
    official = client.get("/khong-co-trang-nay").get_data(as_text=True)
    assert 'href="/tra-cuu"' not in official and "Về trang Công việc" in official
