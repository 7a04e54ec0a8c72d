"""Placeholder of the reports area; replaced by its real views."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)


@bp.get("/register")
def register():
    return "Đang xây dựng", 501
