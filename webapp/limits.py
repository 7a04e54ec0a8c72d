"""The rate limiter shared by the public pages and the JSON API: limits per client address, kept in process
memory (one process) or in a store every web process shares (Redis), as settings.ratelimit_storage_uri says."""
from __future__ import annotations

from math import ceil
from time import time

from flask import Flask, current_app, request
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from . import errors
from .i18n import N_

KEY_PREFIX = "motcua"  # several applications may share one Redis
SIGN_IN_MESSAGE = N_("Đăng nhập sai quá nhiều lần từ địa chỉ này; vui lòng thử lại sau ít phút.")
LOOKUP_MESSAGE = N_("Bạn đã tra cứu quá nhiều lần, vui lòng thử lại sau ít phút.")
SIGNED_IN = {201, 302, 303}  # a token issued, or the sign-in page's redirect to the user's landing page

# Nothing is limited unless a view asks for it; the storage comes from the app's settings at init_app. While the
# shared store is unreachable each process falls back to its own memory, so sign-in stays limited and up.
limiter = Limiter(key_func=get_remote_address, default_limits=[], key_prefix=KEY_PREFIX,
                  in_memory_fallback_enabled=True)


def public_limit() -> str:
    """The citizens' limit on lookups and ratings, e.g. "20/minute" (settings.public_rate_limit)."""
    return current_app.config["MOTCUA_SETTINGS"].public_rate_limit


def sign_in_limit() -> str:
    """Password attempts per address and username, on the sign-in page and for API tokens."""
    return current_app.config["MOTCUA_SETTINGS"].sign_in_rate_limit


def sign_in_address_limit() -> str:
    """Failed sign-ins per address whatever the username: one password tried over many accounts."""
    return current_app.config["MOTCUA_SETTINGS"].sign_in_address_rate_limit


def address_and_username() -> str:
    body = request.get_json(silent=True) if request.is_json else None
    name = body.get("username") if isinstance(body, dict) else request.form.get("username")
    return f"{get_remote_address()}|{str(name or '').strip().lower()[:80]}"


def _failed(response) -> bool:
    return response.status_code not in SIGNED_IN


# One bucket for every way a citizen can try a dossier code and secret (the page, the rating, the API).
secret_guessing = limiter.shared_limit(public_limit, scope="dossier-secret", error_message=LOOKUP_MESSAGE)
secret_guessing_posts = limiter.shared_limit(public_limit, scope="dossier-secret", methods=["POST"],  # the form's GET is free
                                             error_message=LOOKUP_MESSAGE)
_per_account = limiter.shared_limit(sign_in_limit, scope="password", key_func=address_and_username,
                                    methods=["POST"], error_message=SIGN_IN_MESSAGE)
# Only failures count here: the officials of a centre behind one address sign in every morning.
_per_address = limiter.shared_limit(sign_in_address_limit, scope="password-address", methods=["POST"],
                                    deduct_when=_failed, error_message=SIGN_IN_MESSAGE)


def password_guessing(view):
    """Both sign-in limits: per address and username, and failures per address across usernames."""
    return _per_address(_per_account(view))


def init_app(app: Flask) -> None:
    settings = app.config["MOTCUA_SETTINGS"]
    app.config["RATELIMIT_STORAGE_URI"] = settings.ratelimit_storage_uri
    limiter.init_app(app)
    if not _limits_beyond_views():
        # Flask-Limiter looks before every request for limits on the whole app, a blueprint or by default; there
        # are none, so that look found nothing on every page and API call. The views' own limits (above) are
        # checked when those views are called, as before.
        app.before_request_funcs[None].remove(limiter._check_request_limit)
    app.register_error_handler(RateLimitExceeded, _too_many)


def _limits_beyond_views() -> bool:
    """Whether any limit applies outside the decorated views (default, application, blueprint, meta or fallback
    limits): what the limiter's per-request check is for. An attribute this Flask-Limiter lacks counts as yes."""
    manager = getattr(limiter, "limit_manager", None)
    return bool(manager is None or manager.default_limits or manager.application_limits
                or getattr(manager, "_blueprint_limits", True) or getattr(limiter, "_meta_limits", True)
                or getattr(limiter, "_in_memory_fallback", True))


def check_storage() -> bool:
    """Whether the limits' store answers (always true for process memory)."""
    try:
        return bool(limiter.storage.check())
    except Exception:
        return False


def _too_many(error: RateLimitExceeded):
    """429 in the caller's format, saying which limit was reached and when to try again."""
    from .api.errors import error_response  # here: the API's views import this module

    message = error.description if error.description in (SIGN_IN_MESSAGE, LOOKUP_MESSAGE) else LOOKUP_MESSAGE
    retry = _retry_after()
    headers = {"Retry-After": str(retry)} if retry else {}
    if request.path.startswith("/api/"):
        return error_response(429, message, headers=headers)
    body, status = errors.error_page(429, message)
    return body, status, headers


def _retry_after() -> int | None:
    current = limiter.current_limit
    return max(ceil(current.reset_at - time()), 1) if current is not None else None
