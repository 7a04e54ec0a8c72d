"""The officials' inbox: my work items, the task page with its form, claiming and releasing a task."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from engine import (
    ValidationFailed,
    claim_task,
    complete_task,
    get_work_item,
    list_work_items_with_timing,
    unclaim_task,
)
from engine import clock

from .auth import login_required
from .db import db_session
from .taskform import form_fields, form_values, parse_form, work_item_form

bp = Blueprint("inbox", __name__)


@bp.get("/")
@login_required
def index():
    rows = list_work_items_with_timing(db_session(), g.user.id, clock.now())
    return render_template("inbox.html", rows=rows)


@bp.route("/tasks/<int:item_id>", methods=["GET", "POST"])
@login_required
def task(item_id: int):
    session = db_session()
    item = get_work_item(session, item_id, g.user.id, clock.now())
    schema, ui = work_item_form(session, item)
    fields = form_fields(schema, ui)
    page = {"item": item, "dossier": item.dossier, "procedure": item.dossier.procedure, "schema": schema,
            "fields": fields}
    if request.method != "POST":  # GET or HEAD: HEAD must never complete a task, and CSRF does not check it
        return render_template("task.html", values=form_values(fields, schema), errors={}, **page)
    try:
        complete_task(session, item.id, parse_form(schema, request.form), g.user.id, clock.now())
    except ValidationFailed as exc:
        return render_template("task.html", values=form_values(fields, schema, request.form), errors=exc.errors,
                               error=exc.message, **page), 422
    flash(f"Đã hoàn thành: {item.name}", "success")
    return redirect(url_for(".index"))


@bp.post("/tasks/<int:item_id>/claim")
@login_required
def claim(item_id: int):
    claim_task(db_session(), item_id, g.user.id, clock.now())
    flash("Bạn đã nhận xử lý công việc này.", "success")
    return redirect(url_for(".task", item_id=item_id))


@bp.post("/tasks/<int:item_id>/unclaim")
@login_required
def unclaim(item_id: int):
    unclaim_task(db_session(), item_id, g.user.id, clock.now())
    flash("Đã trả lại công việc; người khác cùng vai trò có thể nhận xử lý.", "info")
    return redirect(url_for(".index"))
