"""Placeholder of the reception area; replaced by its real views."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reception", __name__)


@bp.get("/reception")
def index():
    return "Đang xây dựng", 501
