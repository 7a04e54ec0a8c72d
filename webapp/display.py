"""Jinja filters that show engine values the way Vietnamese officials read them."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from flask_babel import gettext as _

from engine import (format_amount, group_thousands, HISTORY_LABEL_PARAMS, status_label, STATUS_LABELS, VERDICT_LABELS,
                    VN_TZ)

NONE = "—"


def vn_time(value: datetime | None) -> str:
    """An instant in Vietnam time as dd/mm/yyyy HH:MM; a dash when there is none."""
    if value is None:
        return NONE
    return value.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def working_time(value: timedelta | None, day_hours: float | None = None) -> str:
    """Office time as 'x giờ y phút' ('quá x giờ y phút' when negative); a dash when there is none. Given the
    office hours of one working day of the unit, a span of a day or more is told in working days first
    ('2 ngày làm việc 3 giờ 30 phút'), as officials count deadlines, not as some hundreds of hours. A line
    breaks only between the parts (never inside '3 giờ 30 phút'), so a narrow column stays readable."""
    if value is None:
        return NONE
    minutes = int(abs(value).total_seconds() // 60)
    day = round(day_hours * 60) if day_hours else 0
    days, minutes = divmod(minutes, day) if day else (0, minutes)
    hours, minutes = divmod(minutes, 60)
    text = _unbroken(_("%(hours)s giờ %(minutes)02d phút", hours=hours, minutes=minutes) if hours
                     else _("%(minutes)s phút", minutes=minutes))
    if days:  # one day said apart, for languages with a singular ("1 working day")
        whole = _unbroken(_("1 ngày làm việc") if days == 1 else _("%(amount)s ngày làm việc", amount=days))
        text = f"{whole} {text}" if hours or minutes else whole
    return _("quá %(time)s", time=text) if value < timedelta(0) else text


def _unbroken(text: str) -> str:
    return text.replace(" ", "\u00a0")


def vn_date(value) -> str:
    """A date (or the Vietnam date of an instant) as dd/mm/yyyy."""
    if value is None:
        return NONE
    if isinstance(value, datetime):
        value = value.astimezone(VN_TZ).date()
    return value.strftime("%d/%m/%Y")


def verdict_label(value: str | None) -> str:
    return VERDICT_LABELS.get(value, NONE) if value else NONE


def history_text(entry) -> str:
    """A history entry in the reader's language: its template translated, then filled; values that are labels
    (statuses, ratings, slip titles) translated too, names and reasons as written."""
    template, values = entry.phrase
    if not template:
        return entry.label
    shown = {key: _(value) if key in HISTORY_LABEL_PARAMS and isinstance(value, str) and value else value
             for key, value in values.items()}
    return _(template) % shown if shown else _(template)


def init_app(app: Flask) -> None:
    app.add_template_filter(vn_time)
    app.add_template_filter(vn_date)
    app.add_template_filter(working_time)
    app.add_template_filter(status_label)
    app.add_template_filter(verdict_label)
    app.add_template_filter(history_text)
    app.add_template_filter(group_thousands, "thousands")
    app.add_template_filter(format_amount, "amount")  # 10.000 đồng
    app.jinja_env.globals["STATUS_LABELS"] = STATUS_LABELS
