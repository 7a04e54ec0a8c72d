"""The JSON API under /api/v1 for system integration: bearer tokens, JSON errors, an OpenAPI document."""
from __future__ import annotations

from flask import Blueprint, g, request

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.url_value_preprocessor
def _limit_body(endpoint, _values) -> None:
    # A URL value preprocessor runs before every before_request handler, so before anything reads the body.
    if endpoint not in registry.UPLOADS:
        request.max_content_length = registry.JSON_MAX_BYTES


@bp.before_request
def _start_api_request() -> None:
    # Only a bearer token says who calls: a browser's signed-in cookie must not lend its user to the API.
    g.actor_id = None


# The views register themselves on `bp` through the `endpoint` decorator.
from . import dossiers, openapi, procedures, public, registry, reports, tokens, versions, work  # noqa: E402,F401
from .errors import init_errors  # noqa: E402

init_errors(bp)
