"""Placeholder of the dossiers area; replaced by its real views."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dossiers", __name__)


@bp.get("/dossiers")
def search():
    return "Đang xây dựng", 501
