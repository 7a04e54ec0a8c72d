"""API errors as JSON `{"error": {status, message, fields}}`, never an HTML page and never a bare 500."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from engine import AuthenticationFailed, Forbidden, MotcuaError

from .. import errors as pages
from ..db import discard

MESSAGES = {
    **pages.HTTP_MESSAGES,
    404: "Không tìm thấy địa chỉ hoặc đối tượng yêu cầu.",
    405: "Địa chỉ này không hỗ trợ phương thức HTTP đã dùng.",
    415: "Kiểu nội dung không được hỗ trợ; hãy gửi application/json.",
    429: "Quá nhiều yêu cầu; vui lòng thử lại sau.",
}


def error_response(status: int, message: str, fields: dict | None = None, headers: dict | None = None,
                   findings: list | None = None):
    discard()  # nothing half-written: the request's work is rolled back before answering
    body = {"status": status, "message": message, "fields": fields or {}}
    if findings:  # a refused procedure version: every finding (severity, message, file, element, name, line)
        body["findings"] = [f if isinstance(f, dict) else f.as_dict() for f in findings]
    response = jsonify({"error": body})
    response.status_code = status
    response.headers.update(headers or {})
    return response


def init_errors(bp: Blueprint) -> None:
    bp.register_error_handler(MotcuaError, engine_error)
    bp.register_error_handler(HTTPException, http_error)
    bp.register_error_handler(Exception, unexpected)
    # Unknown URLs and methods match no API rule, so only app-level handlers see them; these two answer
    # JSON under /api/ and hand everything else to the HTML error pages.
    bp.app_errorhandler(404)(_routing_error)
    bp.app_errorhandler(405)(_routing_error)


def engine_error(error: MotcuaError):
    status = pages.status_of(error)
    if isinstance(error, Forbidden):
        pages.log_refusal(getattr(error, "reason", error.message))  # this handler replaces the app's: logged once
    headers = {"WWW-Authenticate": 'Bearer realm="motcua"'} if isinstance(error, AuthenticationFailed) else None
    findings = getattr(error, "findings", None) or error.details.get("findings")
    return error_response(status, error.message, getattr(error, "errors", None), headers, findings)


def http_error(error: HTTPException):
    code = error.code or 500
    if code >= 500:
        return unexpected(error)
    methods = getattr(error, "valid_methods", None)
    headers = {"Allow": ", ".join(methods)} if code == 405 and methods else {}
    return error_response(code, MESSAGES.get(code, MESSAGES[400]), headers=headers)


def unexpected(error: Exception):
    current_app.logger.exception("API unexpected error: %s", error)
    return error_response(500, pages.UNEXPECTED_MESSAGE)


def _routing_error(error: HTTPException):
    if request.path.startswith("/api/"):
        return http_error(error)
    return pages._http_error(error)
