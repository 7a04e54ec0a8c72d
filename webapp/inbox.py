"""The officials' inbox and task page: views of open work, the form, claiming, reassigning, the delegate's signature."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import (
    assign_task,
    assignable_users,
    check_upload,
    claim_task,
    clock,
    complete_task,
    dossier_context,
    list_attachments,
    list_done,
    list_inbox,
    list_team,
    list_procedures,
    open_task,
    prefilled,
    signature_block,
    step_records,
    team_count,
    store_attachment,
    unclaim_task,
    ValidationFailed,
    VIEWS,
)

from .auth import login_required, safe_next
from .db import db_session, discard
from .guards import decimal
from .i18n import N_
from .taskform import errors_by_field, form_fields, form_values, parse_form, work_item_form

bp = Blueprint("inbox", __name__)

VIEW_LABELS = {"mine": N_("Được giao cho tôi"), "unit": N_("Chưa nhận của đơn vị"),
               "due_soon": N_("Sắp đến hạn"), "overdue": N_("Quá hạn"), "team": N_("Việc của đơn vị"),
               "done": N_("Đã xử lý")}
LISTS = {"team": list_team, "done": list_done}  # beside the inbox views (engine VIEWS)
FILE_FIELD = "tep_dinh_kem"


@bp.get("/")
@login_required
def index():
    view = request.args.get("view", "")
    query, procedure = request.args.get("q", "").strip(), request.args.get("procedure", "").strip() or None
    session, now = db_session(), clock.now()
    options = {"query": query, "procedure_code": procedure, "page": request.args.get("page", 1, type=int) or 1}
    if view in LISTS:
        result = LISTS[view](session, g.user.id, now, **options)
        counts = result.counts
    else:
        result = list_inbox(session, g.user.id, now, view=view if view in VIEWS else "mine", **options)
        if view not in VIEWS:  # no tab chosen: open where the work is, the unit's pool when nothing is mine yet
            view = "mine"
            if not result.total and result.counts["unit"]:
                view, result = "unit", list_inbox(session, g.user.id, now, view="unit", **options)
        team = team_count(session, g.user.id, query, procedure)
        counts = {**result.counts, **({"team": team} if team is not None else {})}
    views = {key: label for key, label in VIEW_LABELS.items() if key != "team" or "team" in counts}
    return render_template("inbox.html", inbox=result, rows=result.rows, view=view, query=query, counts=counts,
                           procedure=procedure or "", procedures=list_procedures(session), views=views,
                           dossier_link=_dossier_link)


@bp.get("/tasks/<int:item_id>")
@login_required
def task(item_id: int):
    """The page (GET and HEAD); only the POST below completes, so a HEAD, which CSRF does not check, never does."""
    page = _task_page(open_task(db_session(), item_id, g.user.id, clock.now()))
    values = form_values(page["fields"], page["schema"], prefill=page["prefill"] if page["may_work"] else None)
    return render_template("task.html", values=values, errors={}, **page)


@bp.post("/tasks/<int:item_id>")
@login_required
def complete(item_id: int):
    """Parse, complete, redirect; the page is built only to show what was wrong."""
    session, now = db_session(), clock.now()
    try:
        attachment = _checked_upload(request.files.get(FILE_FIELD))
        done = complete_task(session, item_id, lambda schema: parse_form(schema, request.form), g.user.id, now)
        if attachment:
            _store_task_file(session, done, attachment, now)
    except ValidationFailed as exc:
        discard()  # nothing of the refused completion may show on the page
        page = _task_page(open_task(session, item_id, g.user.id, now))
        errors = errors_by_field(exc.errors, page["fields"])
        return render_template("task.html", values=form_values(page["fields"], page["schema"], request.form),
                               errors=errors, error=exc.message, **page), 422
    flash(_("Đã hoàn thành: %(name)s", name=done.name), "success")
    if done.on_behalf_of:
        flash(_("Ký theo hình thức %(form)s thay cho %(name)s", form=done.signature_form, name=done.on_behalf_of),
              "info")
        return redirect(url_for(".task", item_id=item_id))
    return redirect(url_for(".index"))


@bp.post("/tasks/<int:item_id>/claim")
@login_required
def claim(item_id: int):
    claim_task(db_session(), item_id, g.user.id, clock.now())
    flash(_("Bạn đã nhận xử lý công việc này."), "success")
    return redirect(url_for(".task", item_id=item_id))


@bp.post("/tasks/<int:item_id>/unclaim")
@login_required
def unclaim(item_id: int):
    unclaim_task(db_session(), item_id, g.user.id, clock.now())
    flash(_("Đã trả lại công việc; người khác cùng vai trò có thể nhận xử lý."), "info")
    return redirect(url_for(".index"))


@bp.post("/tasks/<int:item_id>/assign")
@login_required
def assign(item_id: int):
    """A leader hands the step to an official (from its page or the team list), or back to the unit's pool."""
    raw = request.form.get("assignee_id", "").strip()
    assignee_id = decimal(raw)
    if raw and assignee_id is None:
        raise ValidationFailed(_("Không giao được công việc."), {"assignee_id": [_("Chọn người được giao.")]})
    item = assign_task(db_session(), item_id, assignee_id, g.user.id, clock.now())
    flash(_("Đã giao lại công việc.") if item.assignee_id else _("Đã chuyển công việc về danh sách chưa nhận."),
          "success")
    return redirect(safe_next(request.form.get("next"), url_for(".task", item_id=item_id)))


@bp.get("/tasks/<int:item_id>/signature")
@login_required
def signature(item_id: int):
    block = signature_block(db_session(), item_id, g.user.id, clock.now())
    return render_template("print/task_signature.html", block=block, item=block.item, dossier=block.item.dossier)


def _task_page(access) -> dict:
    session, item = db_session(), access.item
    schema, ui = work_item_form(session, item)
    context = dossier_context(session, item)
    page = {"item": item, "dossier": item.dossier, "procedure": item.dossier.procedure, "schema": schema,
            "fields": form_fields(schema, ui), "context": context, "may_work": access.may_work,
            "may_assign": access.may_assign and item.state == "ready", "assignees": [],
            "attachments": list_attachments(session, item.dossier_id), "attachment_link": _attachment_link,
            "dossier_url": _dossier_url(item.dossier.code), "submitted": None, "file_field": FILE_FIELD,
            "prefill": prefilled(item.dossier, ui)}
    if page["may_assign"]:
        page["assignees"] = assignable_users(session, item.id, g.user.id, clock.now())
    if item.state == "completed":
        page["submitted"] = step_records(session, [item])[0]
    return page


def _checked_upload(upload):
    """The upload's name and bytes, checked before anything else is written (None when no file was chosen)."""
    if upload is None or not upload.filename:
        return None
    data = upload.read()
    try:
        check_upload(upload.filename, data, _settings().attachment_max_bytes)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, {FILE_FIELD: [m for ms in exc.errors.values() for m in ms]}) from exc
    return upload.filename, data


def _store_task_file(session, done, upload, now) -> None:
    filename, data = upload
    store_attachment(session, storage_dir=_settings().attachment_dir, dossier_id=done.dossier_id,
                     filename=filename, data=data, actor_id=g.user.id, now=now, kind="task",
                     work_item_id=done.work_item_id, component=done.name,
                     max_bytes=_settings().attachment_max_bytes)


def _attachment_link(dossier, attachment) -> str | None:
    if "dossiers.attachment" not in current_app.view_functions:
        return None
    return url_for("dossiers.attachment", code=dossier.code, attachment_id=attachment.id)


def _dossier_url(code: str) -> str | None:
    if "dossiers.view" not in current_app.view_functions:
        return None
    return url_for("dossiers.view", code=code)


def _dossier_link(item) -> str:
    """The dossier page once it exists in this build, the task page until then."""
    return _dossier_url(item.dossier.code) or url_for("inbox.task", item_id=item.id)


def _settings():
    return current_app.config["MOTCUA_SETTINGS"]
