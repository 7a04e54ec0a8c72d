"""Reports for leaders: the periodic report (screen, A4 print, Excel, PDF) and the QĐ 766 indicators."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("statistics", __name__)
