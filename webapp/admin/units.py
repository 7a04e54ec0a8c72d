"""Units: the tree, creating and editing a unit, and its calendar for a year with the due-date preview."""
from __future__ import annotations

from flask import abort, g, request, url_for
from flask_babel import gettext as _

from engine import (
    add_calendar_override,
    calendar_year,
    clock,
    create_unit,
    preview_due,
    remove_calendar_override,
    unit_form,
    unit_tree,
    update_unit,
    ValidationFailed,
    VN_TZ,
)

from ..auth import login_required
from ..db import db_session
from ..i18n import select_locale
from . import bp, day_or_none, decimal_or_none, int_or_none, local_time_or_none, render, submit

UNIT_FIELDS = ("code", "name", "parent_id", "level", "place_name", "abbreviation", "head_title", "office_hours")


@bp.get("/")
@login_required
def index():
    return units()


@bp.get("/units")
@login_required
def units():
    return render("admin.units", "admin/units.html", nodes=unit_tree(db_session(), g.user.id))


@bp.route("/units/new", methods=["GET", "POST"])
@login_required
def new_unit():
    def page(**state):
        parent, choices = unit_form(db_session(), g.user.id)
        values = request.form if request.method == "POST" else {
            "level": "xa", "office_hours": "07:30-11:30,13:30-17:00", "parent_id": request.args.get("parent", "")}
        return render("admin.units", "admin/unit_form.html", unit=None, choices=choices, values=values, **state)

    if request.method != "POST":
        return page()
    return submit(lambda: create_unit(db_session(), g.user.id, clock.now(), **_unit_values()), page,
                  _("Đã tạo đơn vị %(name)s.", name=request.form.get("name", "").strip()), url_for(".units"))


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@login_required
def edit_unit(unit_id: int):
    def page(**state):
        unit, choices = unit_form(db_session(), g.user.id, unit_id)
        values = request.form if request.method == "POST" else {
            **{key: getattr(unit, key) or "" for key in UNIT_FIELDS}, "saturday_morning": unit.saturday_morning}
        return render("admin.units", "admin/unit_form.html", unit=unit, choices=choices, values=values, **state)

    if request.method != "POST":
        return page()
    return submit(lambda: update_unit(db_session(), g.user.id, unit_id, clock.now(), **_unit_values()), page,
                  _("Đã lưu thông tin đơn vị."), url_for(".units"))


def _unit_values() -> dict:
    form = request.form
    return {"code": form.get("code", ""), "name": form.get("name", ""), "level": form.get("level", ""),
            "parent_id": int_or_none(form.get("parent_id")), "place_name": form.get("place_name", ""),
            "abbreviation": form.get("abbreviation", ""), "head_title": form.get("head_title", ""),
            "office_hours": form.get("office_hours", ""), "saturday_morning": form.get("saturday_morning") == "on"}


@bp.get("/units/<int:unit_id>/calendar")
@login_required
def calendar(unit_id: int):
    return _calendar_page(unit_id)


@bp.post("/units/<int:unit_id>/calendar")
@login_required
def add_override(unit_id: int):
    form = request.form
    day = day_or_none(form.get("day"))
    year = day.year if day else int_or_none(form.get("year")) or _this_year()
    return submit(lambda: add_calendar_override(db_session(), g.user.id, unit_id, day, form.get("working") == "1",
                                                form.get("note", ""), clock.now()),
                  lambda **state: _calendar_page(unit_id, year, values=form, **state),
                  _("Đã thêm ngày điều chỉnh %(day)s.", day=day.strftime("%d/%m/%Y") if day else ""),
                  url_for(".calendar", unit_id=unit_id, year=year), failed="override")


@bp.post("/units/<int:unit_id>/calendar/<day>/remove")
@login_required
def remove_override(unit_id: int, day: str):
    when = day_or_none(day)
    if when is None:
        abort(404)
    return submit(lambda: remove_calendar_override(db_session(), g.user.id, unit_id, when, clock.now()),
                  lambda **state: _calendar_page(unit_id, when.year, **state),
                  _("Đã xóa điều chỉnh ngày %(day)s.", day=when.strftime("%d/%m/%Y")),
                  url_for(".calendar", unit_id=unit_id, year=when.year))


def _calendar_page(unit_id: int, year: int | None = None, values=None, status: int = 200, **state):
    """The year grid; with ?received_at=…&days=… in the address, the due date those give (a GET: it changes
    nothing)."""
    args = request.args
    year = year or int_or_none(args.get("year")) or _this_year()
    session, preview, preview_errors = db_session(), None, {}
    if "days" in args:
        received, days = local_time_or_none(args.get("received_at")), decimal_or_none(args.get("days"))
        try:
            preview = received, days, preview_due(session, g.user.id, unit_id, received, days)
        except ValidationFailed as exc:
            preview_errors, status = exc.errors, 422
    shown = calendar_year(session, g.user.id, unit_id, year, select_locale())
    return render("admin.units", "admin/calendar.html", status=status, cal=shown, preview=preview, preview_errors=preview_errors,
                  preview_values=args, values=values or {}, **state)


def _this_year() -> int:
    return clock.now().astimezone(VN_TZ).year
