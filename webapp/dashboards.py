"""The leaders' dashboard: trend per month, sub-units side by side, procedures with most late dossiers, and the
dossiers behind any figure."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboards", __name__)
