"""Placeholder of the catalogue area; replaced by its real views."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("catalogue", __name__)


@bp.get("/procedures")
def index():
    return "Đang xây dựng", 501
