"""The designer's studio: procedures a designer may edit, drafts, the BPMN modeler, forms and findings."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, jsonify, make_response, redirect, render_template, request
from flask import url_for
from flask_babel import gettext as _

from engine import (
    clock,
    Conflict,
    create_draft,
    DraftChanges,
    check_draft,
    draft_from_version,
    export_version,
    import_into_draft,
    save_draft,
    STATUS_LABELS,
    studio_draft,
    studio_overview,
    submit_version,
    ValidationFailed,
    version_for,
)

from .auth import login_required
from .db import db_session
from .studio_forms import form_preview_response
from .studio_texts import ACTION_LABELS, editor_texts

bp = Blueprint("studio", __name__)
DRY_RUN = "studio_dry_run.run"  # the dry run's page, linked once it is there


def _settings():
    return current_app.config["MOTCUA_SETTINGS"]


@bp.get("/thiet-ke")
@login_required
def index():
    return _index_page()


def _index_page(*, upload_code: str | None = None, errors: dict | None = None, error: str | None = None,
                status: int = 200):
    designer, procedures = studio_overview(db_session(), g.user.id)
    return render_template("studio/index.html", designer=designer, procedures=procedures, upload_code=upload_code,
                           errors=errors or {}, error=error), status


@bp.post("/thiet-ke/<code>/<int:number>/ban-nhap")
@login_required
def new_draft(code: str, number: int):
    """'Tạo bản nháp từ phiên bản n'."""
    version = draft_from_version(db_session(), code, number, g.user.id, clock.now())
    flash(_("Đã tạo bản nháp phiên bản %(number)s từ phiên bản %(source)s.", number=version.number, source=number),
          "success")
    return redirect(url_for(".editor", code=code, number=version.number))


@bp.post("/thiet-ke/<code>/tai-len")
@login_required
def upload(code: str):
    """A new draft from a zip of the procedure folder, checked as the API's upload is."""
    settings, session = _settings(), db_session()
    package = request.files.get("package")
    try:
        if package is None or not package.filename:
            raise ValidationFailed("Chưa chọn tệp.", {"package": [_("Chọn tệp .zip của thư mục thủ tục.")]})
        version = create_draft(session, code, package.read(settings.max_bpmn_bytes + 1), settings.bpmn_path,
                               g.user.id, clock.now(), settings.max_bpmn_bytes)
    except ValidationFailed as exc:
        session.rollback()
        return _index_page(upload_code=code, errors=exc.errors, error=exc.message, status=422)
    flash(_("Đã lưu bản nháp phiên bản %(number)s.", number=version.number), "success")
    return redirect(url_for(".editor", code=code, number=version.number))


@bp.get("/thiet-ke/<code>/<int:number>")
@login_required
def editor(code: str, number: int):
    settings = _settings()
    draft = studio_draft(db_session(), code, number, g.user.id, settings.bpmn_path, settings.max_bpmn_bytes)
    version = draft.version
    urls = {name: url_for(f".{name}", code=code, number=number)
            for name in ("save", "check", "submit", "import_zip", "preview")}
    urls["export"] = url_for(".export", code=code, number=number)
    urls["version"] = url_for("versions.version", code=code, number=number)
    if DRY_RUN in current_app.view_functions:
        urls["dry_run"] = url_for(DRY_RUN, code=code, number=number)
    data = {
        "editable": draft.editable, "checksum": version.checksum, "main": draft.main, "files": draft.files,
        "forms": draft.forms, "toml": draft.toml, "maxBytes": settings.max_bpmn_bytes, "urls": urls,
        "roles": [{"key": key, "name": name} for key, name in draft.roles],
        "units": [{"code": c, "name": name} for c, name in draft.units],
        "actions": [{"key": key, "name": _(ACTION_LABELS[key]) if key in ACTION_LABELS else key}
                    for key in draft.actions],
        "statuses": [{"code": code_, "name": _(label)} for code_, label in draft.statuses],
        "helpers": list(draft.helpers), "findings": _findings(draft.report), "texts": editor_texts(),
    }
    return render_template("studio/editor.html", draft=draft, version=version, procedure=draft.procedure,
                           data=data, urls=urls)


@bp.post("/thiet-ke/<code>/<int:number>/luu")
@login_required
def save(code: str, number: int):
    """The editor's save (JSON): the changed files, forms and procedure.toml, with the checksum it started from."""
    payload = _payload()
    settings = _settings()
    try:
        saved = save_draft(db_session(), code, number, g.user.id, clock.now(), str(payload.get("base", "")),
                           _changes(payload), settings.bpmn_path, settings.max_bpmn_bytes)
    except (Conflict, ValidationFailed) as exc:
        return _refused(exc)
    return jsonify(checksum=saved.version.checksum, ok=saved.report.ok, findings=_findings(saved.report),
                   saved_at=clock.now().astimezone(clock.VN_TZ).strftime("%H:%M"))


@bp.post("/thiet-ke/<code>/<int:number>/kiem-tra")
@login_required
def check(code: str, number: int):
    """'Kiểm tra': the findings of what the editor shows, saved or not; writes nothing."""
    payload = _payload()
    settings = _settings()
    try:
        changes = _changes(payload)
        unsaved = changes.files or changes.forms or changes.removed_forms or changes.toml is not None
        report = check_draft(db_session(), code, number, g.user.id, settings.bpmn_path, settings.max_bpmn_bytes,
                             changes if unsaved else None)
    except ValidationFailed as exc:
        return _refused(exc)
    return jsonify(ok=report.ok, findings=_findings(report))


@bp.post("/thiet-ke/<code>/<int:number>/gui")
@login_required
def submit(code: str, number: int):
    """'Gửi phê duyệt' from the editor: refused with the findings while the draft has errors."""
    settings, session = _settings(), db_session()
    try:
        submit_version(session, code, number, g.user.id, clock.now(), settings.max_bpmn_bytes)
    except ValidationFailed as exc:
        session.rollback()
        report = check_draft(session, code, number, g.user.id, settings.bpmn_path, settings.max_bpmn_bytes)
        return jsonify(message=exc.message, errors=exc.errors, findings=_findings(report)), 422
    except Conflict as exc:
        return _refused(exc)
    flash(_("Đã gửi phiên bản %(number)s để phê duyệt.", number=number), "success")
    return jsonify(redirect=url_for("versions.version", code=code, number=number))


@bp.post("/thiet-ke/<code>/<int:number>/nhap")
@login_required
def import_zip(code: str, number: int):
    """Replace the draft's folder with a zip of it (the export's layout)."""
    settings = _settings()
    package = request.files.get("package")
    try:
        if package is None or not package.filename:
            raise ValidationFailed("Chưa chọn tệp.", {"package": [_("Chọn tệp .zip của thư mục thủ tục.")]})
        saved = import_into_draft(db_session(), code, number, g.user.id, clock.now(), request.form.get("base", ""),
                                  package.read(settings.max_bpmn_bytes + 1), settings.bpmn_path,
                                  settings.max_bpmn_bytes)
    except (Conflict, ValidationFailed) as exc:
        return _refused(exc)
    flash(_("Đã nhập tệp .zip vào bản nháp."), "success")
    return jsonify(checksum=saved.version.checksum, ok=saved.report.ok, findings=_findings(saved.report),
                   redirect=url_for(".editor", code=code, number=number))


@bp.get("/thiet-ke/<code>/<int:number>/xuat")
@login_required
def export(code: str, number: int):
    name, data = export_version(db_session(), code, number, g.user.id)
    response = make_response(data)
    response.mimetype = "application/zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.post("/thiet-ke/<code>/<int:number>/xem-truoc")
@login_required
def preview(code: str, number: int):
    """The live preview of a form being edited, rendered as officials see it on a task page."""
    version_for(db_session(), code, number, g.user.id)  # those who may open the draft
    return form_preview_response(request.form, _settings().max_bpmn_bytes)


def _payload() -> dict:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or b"\\u0000" in request.get_data():  # PostgreSQL text holds no NUL
        abort(400)
    return payload


def _changes(payload: dict) -> DraftChanges:
    files, forms = payload.get("files") or {}, payload.get("forms") or {}
    removed, toml = payload.get("removed_forms") or [], payload.get("toml")
    if not isinstance(files, dict) or not isinstance(forms, dict) or not isinstance(removed, list):
        abort(400)
    texts = [*files.items(), *forms.items()]
    if (any(not isinstance(k, str) or not isinstance(v, str) for k, v in texts)
            or not all(isinstance(name, str) for name in removed) or not isinstance(toml, (str, type(None)))):
        abort(400)
    return DraftChanges(files=files, forms=forms, removed_forms=tuple(removed), toml=toml)


def _refused(exc: Conflict | ValidationFailed):
    status = 409 if isinstance(exc, Conflict) else 422
    return jsonify(message=_(exc.message), errors=getattr(exc, "errors", {})), status


def _findings(report) -> list[dict]:
    return [finding.as_dict() for finding in report.findings]
