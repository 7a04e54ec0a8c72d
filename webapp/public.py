"""Placeholder of the public area; replaced by its real views."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)


@bp.get("/tra-cuu")
def lookup():
    return "Đang xây dựng", 501
