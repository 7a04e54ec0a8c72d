"""Vietnamese first, English second: Flask-Babel with the Vietnamese text as message ids."""
from __future__ import annotations

import ast
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import Babel, gettext
from jinja2 import pass_context
from markupsafe import escape

LOCALES = ("vi", "en")
LOCALE_COOKIE = "motcua_lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def N_(text: str) -> str:
    """Mark a label for the catalogue where it is defined; it is translated with `_()` where it is shown."""
    return text


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
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    # New-style gettext, so `_("Trang %(page)s/%(pages)s", page=n, pages=m)` fills placeholders after
    # translating; but Jinja's own version marks the translation safe HTML and always %-formats it, and
    # templates also translate engine messages that may echo what a user typed: escape it instead.
    app.jinja_env.newstyle_gettext = True
    app.jinja_env.globals["gettext"] = template_gettext
    app.after_request(_remember_locale)
    app.jinja_env.globals["current_locale"] = select_locale
    app.jinja_env.globals["language_url"] = language_url


def language_url(code: str) -> str:
    """This page in another language: the same address and query (search, filters, page), `lang` replaced."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return request.path + "?" + urlencode([*args, ("lang", code)])


@pass_context
def template_gettext(context, text, **variables):
    """Jinja's `_()`: the translation is text, escaped like any value; placeholders only when given."""
    translated = gettext(text)
    if context.eval_ctx.autoescape:
        translated = escape(translated)
    return translated % variables if variables else translated  # Markup % escapes each value too


def extract_engine_text(fileobj, keywords, comment_tags, options):
    """Babel extractor for engine modules, which never import Flask and so cannot mark their text.

    Yields every Vietnamese string constant (labels, error messages) except docstrings and f-string
    parts; the web app translates such a value with `_()` where it shows it, the printed forms never do.
    """
    tree = ast.parse(fileobj.read().decode(options.get("encoding", "utf-8")))
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skipped.update(id(part) for part in node.values)
        if isinstance(node, ast.BinOp):  # a fragment of a message built by concatenation is never shown alone
            skipped.update({id(node.left), id(node.right)})
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            skipped.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped \
                and any(not char.isascii() and char.isalpha() for char in node.value) \
                and sum(char.isalpha() for char in node.value) > 1:  # a lone letter is data (folding tables)
            yield node.lineno, None, node.value, []
