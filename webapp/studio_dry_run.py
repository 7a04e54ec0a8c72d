"""The studio's dry run: a draft run in memory from a chosen reception instant against the legal clock."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("studio_dry_run", __name__)
