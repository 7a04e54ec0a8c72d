"""One database session per web request: opened on first use, committed once if the request succeeded."""
from __future__ import annotations

from flask import Flask, current_app, g, session as cookie_session
from sqlalchemy.orm import Session


def db_session() -> Session:
    """The request's session; engine functions called with it only flush."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["motcua"]()
    return g.db_session


def discard() -> None:
    """Roll back the request's work, e.g. before rendering an error page after a failed flush."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def init_app(app: Flask) -> None:
    app.after_request(_commit_or_roll_back)
    app.teardown_request(_close)


def _commit_or_roll_back(response):
    # after_request, not teardown: a failing commit must still turn into an error response.
    session = g.get("db_session")
    if session is None:
        return response
    if response.status_code >= 400:
        session.rollback()
        return response
    try:
        session.commit()
    except Exception:
        session.rollback()
        cookie_session.pop("_flashes", None)  # a success message must not outlive the lost work
        raise
    return response


def _close(_error) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()  # rolls back whatever was not committed
