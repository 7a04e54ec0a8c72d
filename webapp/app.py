"""The Flask application factory: settings, secret key, cookies, CSRF, database session and blueprints."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, current_app, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.engine import Engine
from werkzeug.serving import WSGIRequestHandler

from engine import from_environ, make_engine, make_sessionmaker, production_problems, Settings

from . import admin, api, auth, catalogue, db, display, dossier_moves, dossiers, errors, guards, i18n, inbox, limits
from . import navigation, operations, public, reception, reports, studio, studio_dry_run, uploads, versions
from . import dashboards, statistics
from .guards import SCAN_SLOTS

SECRET_FILE = "secret_key"
# No inline scripts or styles anywhere, so the policy can stay this strict.
CONTENT_SECURITY_POLICY = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
SECURITY_HEADERS = (("Content-Security-Policy", CONTENT_SECURITY_POLICY), ("X-Content-Type-Options", "nosniff"),
                    ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"))
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")

csrf = CSRFProtect()


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> Flask:
    """Build the web app; `engine` lets tests and `motcua run` share an existing SQLAlchemy engine."""
    settings = settings or from_environ(os.environ)
    problems = production_problems(settings)
    if problems:  # whatever WSGI server loads the app, an unsafe production configuration does not start
        raise ValueError("\n".join(problems))
    instance = Path(settings.instance_path).resolve()
    app = Flask(__name__, instance_path=str(instance))
    app.config.update(
        SECRET_KEY=settings.secret_key or instance_secret_key(instance),
        SESSION_COOKIE_NAME="motcua_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.https_only,  # MOTCUA_SECURE_COOKIES, always in production
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_minutes),
        WTF_CSRF_ENABLED=True,
        MAX_CONTENT_LENGTH=settings.max_bpmn_bytes + 1_000_000,  # room for a BPMN upload plus its form
        MOTCUA_SETTINGS=settings,
    )
    app.session_interface = CookieSessions()
    app.extensions["motcua"] = make_sessionmaker(engine or web_engine(settings.effective_database_url))
    guards.init_app(app, settings.proxy_hops)  # the bounded <int:> converter must exist before any route
    csrf.init_app(app)  # before the blueprints, so a forged POST is refused before any view code runs
    db.init_app(app)
    errors.init_app(app)
    uploads.init_app(app)  # file parts capped while they stream in; 413 names the limits
    display.init_app(app)
    i18n.init_app(app)
    navigation.init_app(app)
    limits.init_app(app)
    for blueprint in (auth.bp, inbox.bp, reception.bp, dossiers.bp, reports.bp, catalogue.bp, versions.bp, public.bp,
                      admin.bp, operations.bp, dossier_moves.bp, studio.bp, studio_dry_run.bp, statistics.bp,
                      dashboards.bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api.bp)  # bearer tokens, never cookies: nothing for a forged cross-site request to ride on
    app.register_blueprint(api.bp)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)  # asked for by browsers whatever the page says
    app.url_value_preprocessor(_allow_scans)
    app.after_request(_security_headers)
    return app


def web_engine(url: str) -> Engine:
    """The app's database engine, whose pool lends the connection returned last (LIFO) rather than the one idle
    longest: while requests are fewer than the threads, they keep using the same few connections, whose caches
    are warm (SQLite's pages, valid until another connection writes; PostgreSQL's backend and prepared
    statements), instead of going round every connection the busiest moment opened. The connections left idle
    are checked before use as before (closed by the server, they are replaced)."""
    try:
        return make_engine(url, pool_use_lifo=True)
    except TypeError:  # a pool without a queue to order (SQLite in memory: one connection)
        return make_engine(url)


def _favicon():
    return redirect(url_for("static", filename="favicon.svg"), 301)


def _allow_scans(endpoint, _values) -> None:
    """Pages that upload scans may exceed the app-wide request limit, which is sized for a BPMN file, up to
    settings.upload_max_bytes for one post (each file is capped at attachment_max_bytes as it streams in).

    A URL value preprocessor runs before every before_request handler, so before CSRF reads the form."""
    slots = SCAN_SLOTS.get(endpoint or "")
    if slots and request.method == "POST":
        settings = current_app.config["MOTCUA_SETTINGS"]
        request.max_content_length = min(settings.attachment_max_bytes * slots + 1_000_000, settings.upload_max_bytes)


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without their set-up where there is nothing to read or write: a request
    without the session cookie (every API call, which carries a bearer token) gets an empty session without the
    signing serializer being built, and an empty, unchanged session is not saved (only `Vary: Cookie` is added
    if it was read), instead of the cookie's settings being read from the configuration to do nothing."""

    def open_session(self, app: Flask, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        if not session and not session.modified:
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


class QuietRequestHandler(WSGIRequestHandler):
    """The development server (`motcua run`) without its `Server: Werkzeug/<version> Python/<version>` header:
    the software and its versions are not told to every client. (gunicorn, under `motcua serve`, sends its name
    without a version.)"""

    def version_string(self) -> str:
        return "motcua"


def instance_secret_key(instance: Path) -> str:
    """The instance's random secret key, created once (mode 0600); safe when two processes start together."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / SECRET_FILE
    if not path.exists():
        draft = instance / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(draft, path)  # atomic: a complete key appears, or the other process's key wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="ascii").strip()


def _security_headers(response):
    headers = response.headers
    present = {name.lower() for name in headers.keys()}  # a view may have set its own (e.g. a stricter policy)
    for name, value in SECURITY_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    if current_app.config["MOTCUA_SETTINGS"].https_only and HSTS[0].lower() not in present:
        headers.add(*HSTS)
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"  # pages show personal data and dossiers
    return response
