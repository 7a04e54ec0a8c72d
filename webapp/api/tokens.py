"""POST /tokens: a bearer token for an official's username and password; DELETE /tokens/current revokes it."""
from __future__ import annotations

from flask import current_app, jsonify

from engine import AuthenticationFailed, clock, issue_token, revoke_token

from ..db import db_session
from ..errors import log_refusal
from ..limits import password_guessing
from . import bp
from .registry import bearer_token, endpoint, iso


@endpoint(bp, "/tokens", methods=["POST"], auth=False, tags=["Xác thực"], request="TokenRequest",
          summary="Cấp mã truy cập (bearer token) cho tài khoản cán bộ",
          description="Gửi kèm mã ở mọi lời gọi khác (trừ tra cứu công khai): `Authorization: Bearer <token>`.",
          responses={201: "Token", 401: "Error", 429: "Error"})
@password_guessing
def issue(body: dict):
    hours = current_app.config["MOTCUA_SETTINGS"].api_token_hours
    try:
        token, expires_at = issue_token(db_session(), body["username"], body["password"], clock.now(), hours)
    except AuthenticationFailed:
        log_refusal("Sai tên đăng nhập hoặc mật khẩu khi xin mã truy cập API.", what="API POST /api/v1/tokens",
                    username=body["username"][:80])
        raise
    return jsonify(token=token, token_type="Bearer", expires_at=iso(expires_at)), 201


@endpoint(bp, "/tokens/current", methods=["DELETE"], tags=["Xác thực"], summary="Thu hồi mã truy cập đang dùng",
          description="Mã gửi kèm lời gọi này bị thu hồi ngay; mọi lời gọi sau với mã đó nhận 401. Quản trị viên "
                      "thu hồi được mọi mã ở trang quản trị.",
          responses={204: None})
def revoke_current():
    revoke_token(db_session(), bearer_token(), clock.now())
    return "", 204
