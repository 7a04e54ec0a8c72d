"""Jinja filters that show engine values the way Vietnamese officials read them."""
from __future__ import annotations

from datetime import datetime

from flask import Flask

from engine import VN_TZ

NONE = "—"


def vn_time(value: datetime | None) -> str:
    """An instant in Vietnam time as dd/mm/yyyy HH:MM; a dash when there is none."""
    if value is None:
        return NONE
    return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def init_app(app: Flask) -> None:
    app.add_template_filter(vn_time)
