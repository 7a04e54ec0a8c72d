"""Vietnamese first, English second: Flask-Babel with the Vietnamese text as message ids."""
from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel

LOCALES = ("vi", "en")
LOCALE_COOKIE = "motcua_lang"


def select_locale() -> str:
    """`?lang=` on this request, else the cookie the language switch set, else Vietnamese."""
    wanted = request.args.get("lang") or request.cookies.get(LOCALE_COOKIE)
    return wanted if wanted in LOCALES else "vi"


def _remember_locale(response):
    wanted = request.args.get("lang")
    if wanted in LOCALES:
        response.set_cookie(LOCALE_COOKIE, wanted, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "vi")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    Babel(app, locale_selector=select_locale)
    app.after_request(_remember_locale)
    app.jinja_env.globals["current_locale"] = select_locale
