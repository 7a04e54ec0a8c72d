"""Officials' sign-in and sign-out, the current user of a request, and the login_required guard.

A session ends after `session_minutes` without use (the signed cookie's age), `session_max_hours` after sign-in
however active the user, and at once for every copy of the cookie when the user signs out or the password is
reset (the cookie's stamp of the account's password hash and session generation no longer matches)."""
from __future__ import annotations

import functools
import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from engine import (
    ADMIN_ROLE,
    authenticate,
    AuthenticationFailed,
    credential_stamp,
    DESIGNER_ROLE,
    end_sessions,
    get_user,
    NotFound,
    role_keys_of,
)

from .db import db_session
from .limits import password_guessing

bp = Blueprint("auth", __name__)
MAX_USERNAME, MAX_PASSWORD = 80, 200  # the bounds accounts are created with (and the API's token request)


@bp.before_app_request
def load_user() -> None:
    """Put the signed-in, still active user on `g`; a stale session (account locked, password reset) is dropped."""
    g.user, g.user_name = None, ""
    user_id = session.get("user_id")
    if user_id is None or request.endpoint == "static":
        return
    try:
        user = get_user(db_session(), user_id)
    except NotFound:
        user = None
    if user is None or not user.is_active or session.get("stamp") != credential_stamp(user) or _too_old():
        session.clear()
        return
    g.user, g.user_name = user, user.full_name  # the name as text: error pages render it after a rollback


def _too_old() -> bool:
    """Signed in longer ago than the absolute lifetime: use renews the idle timeout, never this one. Both are
    measured in wall-clock time (the idle one by the signed cookie's timestamp), not in the engine's business
    time, which tests and demonstrations move at will."""
    hours = current_app.config["MOTCUA_SETTINGS"].session_max_hours
    signed_in = session.get("since")
    return not isinstance(signed_in, int) or time.time() - signed_in > hours * 3600


def login_required(view):
    @functools.wraps(view)
    def guarded(*args, **kwargs):
        if g.user is None:
            target = request.full_path if request.query_string else request.path
            return redirect(url_for("auth.login", next=target))
        return view(*args, **kwargs)

    return guarded


@bp.route("/login", methods=["GET", "POST"])
@password_guessing
def login():
    wanted = request.args.get("next")
    if request.method != "POST":  # GET or HEAD
        if g.user is not None:
            return redirect(safe_next(wanted, landing(g.user.id)))
        return render_template("login.html", username="", error=None)
    username, password = request.form.get("username", "").strip(), request.form.get("password", "")
    if len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD:  # refused before any lookup or hashing
        return render_template("login.html", username=username[:MAX_USERNAME], error=_(
            "Tên đăng nhập tối đa %(name)s ký tự, mật khẩu tối đa %(password)s ký tự.", name=MAX_USERNAME,
            password=MAX_PASSWORD)), 422
    try:
        user = authenticate(db_session(), username, password)
    except AuthenticationFailed as exc:
        return render_template("login.html", username=username, error=_(exc.message)), 401
    session.clear()  # a fresh session on every sign-in, so nothing from before carries over
    session["user_id"] = user.id
    session["stamp"] = credential_stamp(user)  # a password reset or a sign-out ends this session
    session["since"] = int(time.time())
    session.permanent = True
    flash(_("Xin chào %(name)s.", name=user.full_name), "success")
    return redirect(safe_next(wanted, landing(user.id)))


@bp.post("/logout")
def logout():
    if g.user is not None:
        end_sessions(db_session(), g.user.id)  # copies of the cookie, and other browsers, are signed out too
    session.clear()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


def safe_next(target: str | None, default: str | None = None) -> str:
    """Only a path on this site of a sane length; anything else (other hosts, schemes, `//host`) goes to
    `default`, the inbox."""
    if (target and len(target) <= 2000 and target.startswith("/") and not target.startswith("//")
            and "\\" not in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return default or url_for("inbox.index")


def landing(user_id: int) -> str:
    """Where an official starts: the inbox; an administrator on the operations overview (what is stuck, and how
    many versions wait for approval); a designer on the versions of the procedures' internal processes."""
    roles = role_keys_of(db_session(), user_id)
    if roles and roles <= {DESIGNER_ROLE, ADMIN_ROLE}:
        return url_for("operations.overview" if ADMIN_ROLE in roles else "versions.index")
    return url_for("inbox.index")
