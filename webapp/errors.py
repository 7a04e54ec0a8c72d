"""The one place mapping engine and HTTP errors to a status code and a Vietnamese error page."""
from __future__ import annotations

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from engine import (
    AuthenticationFailed,
    clock,
    Concealed,
    Conflict,
    Forbidden,
    InvalidProcess,
    MotcuaError,
    NotFound,
    record_refusal,
    unit_of_work,
    ValidationFailed,
)

from .db import discard
from .i18n import N_

STATUS = {
    Concealed: 404,  # a refusal answered as "not found": before Forbidden, its base class
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    ValidationFailed: 422,
    AuthenticationFailed: 401,
    InvalidProcess: 422,
}
TITLES = {
    400: N_("Yêu cầu không thực hiện được"),
    401: N_("Chưa xác thực"),
    403: N_("Không có quyền"),
    404: N_("Không tìm thấy"),
    405: N_("Thao tác không được hỗ trợ"),
    409: N_("Dữ liệu đã thay đổi"),
    413: N_("Dữ liệu gửi lên quá lớn"),
    422: N_("Dữ liệu không hợp lệ"),
    429: N_("Quá nhiều yêu cầu"),
    500: N_("Lỗi hệ thống"),
}
HTTP_MESSAGES = {
    400: N_("Yêu cầu không hợp lệ."),
    401: N_("Bạn cần đăng nhập để tiếp tục."),
    403: N_("Bạn không có quyền truy cập trang này."),
    404: N_("Không tìm thấy trang bạn yêu cầu."),
    405: N_("Trang này không hỗ trợ thao tác bạn vừa thực hiện."),
    413: N_("Dữ liệu gửi lên vượt quá dung lượng cho phép."),
    429: N_("Bạn đã tra cứu quá nhiều lần, vui lòng thử lại sau ít phút."),
}
CSRF_MESSAGE = N_("Biểu mẫu đã hết hạn hoặc không hợp lệ (thiếu mã bảo vệ CSRF). "
                   "Hãy tải lại trang rồi thực hiện lại thao tác.")
UNEXPECTED_MESSAGE = N_("Đã xảy ra lỗi ngoài dự kiến. Sự cố đã được ghi lại; "
                        "vui lòng thử lại sau hoặc báo cho quản trị hệ thống.")


def status_of(error: MotcuaError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def init_app(app: Flask) -> None:
    app.register_error_handler(MotcuaError, _engine_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def error_page(status: int, message: str, field_errors: dict | None = None):
    """The Vietnamese error page; falls back to plain text if even the template cannot render."""
    discard()
    title = _(TITLES.get(status, TITLES[400] if status < 500 else TITLES[500]))
    # Messages from the engine are Vietnamese; those in the catalogue are shown in the user's language.
    message = _(message)
    field_errors = {key: [_(text) for text in texts] for key, texts in (field_errors or {}).items()}
    try:
        body = render_template("error.html", status=status, title=title, message=message,
                               field_errors=field_errors or {})
    except Exception:
        current_app.logger.exception("error page could not be rendered")
        body = f"{status} {title}: {message}"
    return body, status


def log_refusal(reason: str, what: str | None = None, **detail) -> None:
    """Keep a refused attempt in the audit trail, in a transaction of its own: the request's work is rolled
    back first (on SQLite it could hold the write lock the refusal needs)."""
    user_id = getattr(g.get("user"), "id", None) if g.get("user") is not None else None
    user_id = g.get("actor_id", user_id)  # an API request's token holder
    discard()
    try:
        with unit_of_work(current_app.extensions["motcua"]) as session:
            record_refusal(session, at=clock.now(), actor_id=user_id,
                           what=what or f"{request.method} {request.path}", reason=reason,
                           detail={"ip": request.remote_addr, **detail})
    except Exception:
        current_app.logger.exception("a refused attempt could not be recorded")


def _engine_error(error: MotcuaError):
    if isinstance(error, Forbidden):
        log_refusal(getattr(error, "reason", error.message))
    return error_page(status_of(error), error.message, getattr(error, "errors", None))


def _csrf_error(_error: CSRFError):
    return error_page(400, CSRF_MESSAGE)


def _http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if error.code >= 500:
        current_app.logger.error("server error", exc_info=getattr(error, "original_exception", None) or error)
        return error_page(error.code, UNEXPECTED_MESSAGE)
    return error_page(error.code, HTTP_MESSAGES.get(error.code, HTTP_MESSAGES[400]))


def _unexpected(error: Exception):
    current_app.logger.exception("unexpected error: %s", error)
    return error_page(500, UNEXPECTED_MESSAGE)
