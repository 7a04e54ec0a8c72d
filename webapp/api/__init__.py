"""The JSON API under /api/v1 for system integration: bearer tokens, JSON errors, an OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, g

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _start_api_request() -> None:
    # Only a bearer token says who calls: a browser's signed-in cookie must not lend its user to the API.
    g.actor_id = None


# The views register themselves on `bp` through the `endpoint` decorator.
from . import dossiers, openapi, procedures, public, registry, tokens, versions, work  # noqa: E402,F401
from .errors import init_errors  # noqa: E402

init_errors(bp)
