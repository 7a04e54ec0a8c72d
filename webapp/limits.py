"""The rate limiter shared by the public pages and the JSON API: limits per client address."""
from __future__ import annotations

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Nothing is limited unless a view asks for it; the storage comes from the app's settings at init_app.
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def public_limit() -> str:
    """The citizens' limit on lookups and ratings, e.g. "20/minute" (settings.public_rate_limit)."""
    return current_app.config["MOTCUA_SETTINGS"].public_rate_limit


def init_app(app: Flask) -> None:
    settings = app.config["MOTCUA_SETTINGS"]
    app.config["RATELIMIT_STORAGE_URI"] = settings.ratelimit_storage_uri
    limiter.init_app(app)
