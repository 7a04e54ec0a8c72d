"""The reception desk: find a procedure, take in a dossier with its scans, print Mẫu 01, 02 or 03."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from flask import Blueprint, Response, current_app, g, redirect, render_template, request, session, url_for

from engine import (
    CHANNELS,
    clock,
    desk_unit,
    get_intake_slip,
    get_procedure,
    issue_intake_slip,
    parent_unit,
    receive_at_desk,
    receiving_officer,
    require_desk,
    reset_lookup_secret,
    RETURN_METHODS,
    search_procedures,
    slip_parties,
    Upload,
    ValidationFailed,
    view_dossier,
    VN_TZ,
)

from .auth import login_required
from .catalogue import time_limit_text
from .db import db_session
from .guards import SCAN_SLOTS as UPLOAD_SLOTS
from .i18n import N_


bp = Blueprint("reception", __name__)
APPLICANT_FIELDS = ("name", "id_number", "phone", "email", "address")
SCAN_SLOTS = UPLOAD_SLOTS["reception.intake_form"]  # at most this many scans in one reception POST
ACTIONS = ("receive", "supplement", "refusal")


@bp.get("/reception")
@login_required
def index():
    db = db_session()
    require_desk(db, g.user.id)
    query = request.args.get("q", "")[:200]
    return render_template("reception.html", query=query, procedures=search_procedures(db, query))


@bp.route("/reception/<procedure_code>", methods=["GET", "POST"])
@login_required
def intake_form(procedure_code: str):
    db = db_session()
    units = require_desk(db, g.user.id)
    procedure = get_procedure(db, procedure_code)
    if request.method != "POST":
        return _render_form(procedure, units, _blank_values(units))
    values = _form_values(units)
    action = request.form.get("action", "receive")
    try:
        if action == "receive":
            receipt = receive_at_desk(
                db, storage_dir=current_app.config["MOTCUA_SETTINGS"].attachment_dir,
                max_bytes=current_app.config["MOTCUA_SETTINGS"].attachment_max_bytes,
                procedure_code=procedure.code, applicant=values["applicant"], channel=values["channel"],
                unit_code=values["unit"] or None, components=values["components"], uploads=_uploads(procedure),
                actor_id=g.user.id, now=clock.now(), return_method=values["return_method"],
                return_address=values["return_address"])
            _keep_secret(receipt.code, receipt.secret)
            return redirect(url_for(".receipt", code=receipt.code))
        if action not in ACTIONS:
            raise ValidationFailed(N_("Thao tác không hợp lệ."), {"action": [N_("Thao tác không hợp lệ.")]})
        unit_code = values["unit"] or desk_unit(db, g.user.id).code
        missing = [doc["name"] for doc in procedure.documents
                   if doc.get("required") and doc["name"] not in values["components"]] + values["other_missing"]
        slip = issue_intake_slip(
            db, kind=action, procedure_code=procedure.code, applicant=values["applicant"],
            channel=values["channel"], missing=missing if action == "supplement" else [],
            reason=values["reason"], unit_code=unit_code, actor_id=g.user.id, now=clock.now())
        return redirect(url_for(".slip", slip_id=slip.id))
    except ValidationFailed as exc:
        return _render_form(procedure, units, values, exc.errors, exc.message, action), 422


@bp.get("/reception/receipts/<code>")
@login_required
def receipt(code: str):
    db = db_session()
    dossier = view_dossier(db, code, g.user.id, clock.now())
    return render_template(
        "print/mau01.html", dossier=dossier, procedure=dossier.procedure, unit=dossier.receiving_unit,
        parent=parent_unit(db, dossier.receiving_unit), secret=_take_secret(code),
        officer=receiving_officer(db, dossier.id), sequence=code.rsplit("-", 1)[-1],
        channels=CHANNELS, return_methods=RETURN_METHODS, time_limit=time_limit_text(dossier.procedure))


@bp.post("/reception/receipts/<code>/secret")
@login_required
def reissue_secret(code: str):
    db = db_session()
    view_dossier(db, code, g.user.id, clock.now())
    _keep_secret(code, reset_lookup_secret(db, code, g.user.id, clock.now()))
    return redirect(url_for(".receipt", code=code))


@bp.get("/reception/receipts/<code>/qr.svg")
@login_required
def receipt_qr(code: str):
    dossier = view_dossier(db_session(), code, g.user.id, clock.now())
    base = current_app.config["MOTCUA_SETTINGS"].public_base_url or request.host_url
    target = f"{base.rstrip('/')}{url_for('public.lookup')}?{urlencode({'code': dossier.code})}"  # never the secret
    image = qrcode.make(target, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return Response(image.to_string(encoding="unicode"), mimetype="image/svg+xml")


@bp.get("/reception/slips/<int:slip_id>")
@login_required
def slip(slip_id: int):
    db = db_session()
    found = get_intake_slip(db, slip_id, g.user.id)
    procedure, unit, officer = slip_parties(db, found)
    return render_template("print/mau02.html" if found.kind == "supplement" else "print/mau03.html", slip=found,
                           procedure=procedure, unit=unit, parent=parent_unit(db, unit), officer=officer,
                           channels=CHANNELS)


@bp.app_template_filter("vn_spelled_time")
def vn_spelled_time(value: datetime | None) -> str:
    """'10 giờ 00 phút, ngày 02 tháng 03 năm 2026', as the receipt prints times."""
    if value is None:
        return "—"
    local = value.astimezone(VN_TZ)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d} tháng {local:%m} năm {local:%Y}"


@bp.app_template_filter("vn_place_date")
def vn_place_date(value: datetime | None) -> str:
    local = (value or clock.now()).astimezone(VN_TZ)
    return f"ngày {local:%d} tháng {local:%m} năm {local:%Y}"


def _blank_values(units) -> dict:
    return {"applicant": {}, "channel": "direct", "unit": units[0].code if len(units) == 1 else "",
            "components": [], "return_method": "desk", "return_address": "", "reason": "", "other_missing": []}


def _form_values(units) -> dict:
    form = request.form
    applicant = {key: form.get(f"applicant_{key}", "").strip() for key in APPLICANT_FIELDS}
    applicant = {key: value for key, value in applicant.items() if value or key == "name"}
    return {
        "applicant": applicant, "channel": form.get("channel", ""),
        "unit": form.get("unit", "") if len(units) > 1 else units[0].code,
        "components": form.getlist("components"),
        "return_method": form.get("return_method", "desk"), "return_address": form.get("return_address", ""),
        "reason": form.get("reason", ""),
        "other_missing": [line.strip() for line in form.get("other_missing", "").splitlines() if line.strip()],
    }


def _uploads(procedure) -> list[Upload]:
    uploads = []
    for index, document in enumerate(procedure.documents):
        for file in request.files.getlist(f"file_{index}")[:SCAN_SLOTS]:
            if file and file.filename:
                uploads.append(Upload(document["name"], file.filename, file.read(), f"file_{index}"))
    return uploads


def _render_form(procedure, units, values, errors=None, message=None, action=None):
    return render_template("reception_form.html", procedure=procedure, units=units, values=values,
                           errors=errors or {}, message=message, action=action, channels=CHANNELS,
                           return_methods=RETURN_METHODS, time_limit=time_limit_text(procedure, translate=True))


def _keep_secret(code: str, secret: str) -> None:
    """The secret exists in clear only now: the signed session cookie carries it to the receipt's first render
    (one redirect) and no further, so it does not linger in the officer's browser."""
    session["receipt_secrets"] = {**session.get("receipt_secrets", {}), code: secret}


def _take_secret(code: str) -> str | None:
    kept = dict(session.get("receipt_secrets", {}))
    secret = kept.pop(code, None)
    if secret is not None:
        session["receipt_secrets"] = kept
    return secret
