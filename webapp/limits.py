"""The rate limiter shared by the public pages and the JSON API: limits per client address."""
from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Nothing is limited unless a view asks for it; the storage comes from the app's settings at init_app.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def public_limit() -> str:
    """The citizens' limit on lookups and ratings, e.g. "20/minute" (settings.public_rate_limit)."""
    return current_app.config["MOTCUA_SETTINGS"].public_rate_limit


def sign_in_limit() -> str:
    """Password attempts per address and username, on the sign-in page and for API tokens."""
    return current_app.config["MOTCUA_SETTINGS"].sign_in_rate_limit


def address_and_username() -> str:
    body = request.get_json(silent=True) if request.is_json else None
    name = body.get("username") if isinstance(body, dict) else request.form.get("username")
    return f"{get_remote_address()}|{str(name or '').strip().lower()[:80]}"


# One bucket for every way a citizen can try a dossier code and secret (the page, the rating, the API).
secret_guessing = limiter.shared_limit(public_limit, scope="dossier-secret")
secret_guessing_posts = limiter.shared_limit(public_limit, scope="dossier-secret", methods=["POST"])  # the form's GET is free
password_guessing = limiter.shared_limit(sign_in_limit, scope="password", key_func=address_and_username,
                                         methods=["POST"])


def init_app(app: Flask) -> None:
    settings = app.config["MOTCUA_SETTINGS"]
    app.config["RATELIMIT_STORAGE_URI"] = settings.ratelimit_storage_uri
    limiter.init_app(app)
