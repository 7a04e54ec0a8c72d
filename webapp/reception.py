"""The reception desk: find a procedure, take in a dossier with its scans, print Mẫu 01, 02 or 03; check the
online submissions waiting for the desk (receive or refuse). Each desk form carries a one-time token, so a
repeated POST (Back and resend, a double click) shows what the first made instead of making it again."""
from __future__ import annotations

import secrets
from datetime import datetime
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from flask import Blueprint, Response, current_app, g, redirect, render_template, request, session, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from engine import (
    CHANNELS,
    claim_form_token,
    clock,
    Conflict,
    LikelyDuplicate,
    receive_submission,
    record_form_outcome,
    refuse_submission,
    slip_dossier_code,
    slip_of_dossier,
    submission_for_check,
    SUBMITTED,
    waiting_submissions,
    desk_unit,
    get_intake_slip,
    get_procedure,
    issue_intake_slip,
    parent_unit,
    receive_at_desk,
    receiving_officer,
    require_desk,
    may_reset_lookup_secret,
    reset_lookup_secret,
    RETURN_METHODS,
    search_procedures,
    slip_parties,
    unstaffed_lanes,
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
FORM_TOKEN_MAX_AGE = 12 * 3600  # seconds a desk form stays valid; an older one is checked and sent again


@bp.get("/reception")
@login_required
def index():
    db = db_session()
    require_desk(db, g.user.id)
    query = request.args.get("q", "")[:200]
    return render_template("reception.html", query=query, procedures=search_procedures(db, query),
                           waiting=waiting_submissions(db, g.user.id))


@bp.route("/reception/<procedure_code>", methods=["GET", "POST"])
@login_required
def intake_form(procedure_code: str):
    db = db_session()
    units = require_desk(db, g.user.id)
    procedure = get_procedure(db, procedure_code)
    if request.method != "POST":
        return _render_form(procedure, units, _blank_values(units), token=_new_form_token())
    values = _form_values(units)
    action = request.form.get("action", "receive")
    token = request.form.get("form_token", "")
    try:
        nonce = _form_nonce(token)
        earlier = claim_form_token(db, nonce, g.user.id, clock.now())
        if earlier is not None:  # this form was sent before: show what that made, make nothing new
            if earlier.dossier_code:
                return redirect(url_for(".receipt", code=earlier.dossier_code, repeated=1))
            return redirect(url_for(".slip", slip_id=earlier.slip_id, repeated=1))
        if action == "receive":
            receipt = receive_at_desk(
                db, storage_dir=current_app.config["MOTCUA_SETTINGS"].attachment_dir,
                max_bytes=current_app.config["MOTCUA_SETTINGS"].attachment_max_bytes,
                procedure_code=procedure.code, applicant=values["applicant"], channel=values["channel"],
                unit_code=values["unit"] or None, components=values["components"], uploads=_uploads(procedure),
                actor_id=g.user.id, now=clock.now(), return_method=values["return_method"],
                return_address=values["return_address"], confirm_duplicate=values["confirm_duplicate"])
            record_form_outcome(db, nonce, dossier_id=receipt.dossier_id)
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
        record_form_outcome(db, nonce, slip_id=slip.id)
        return redirect(url_for(".slip", slip_id=slip.id))
    except (ValidationFailed, LikelyDuplicate) as exc:
        status = 409 if isinstance(exc, LikelyDuplicate) else 422
        again = token if "form_token" not in exc.errors else _new_form_token()  # the claim was rolled back
        return _render_form(procedure, units, values, exc.errors, exc.message, action, token=again), status


@bp.route("/reception/online/<code>", methods=["GET", "POST"])
@login_required
def online_check(code: str):
    """An online submission checked by the desk: received (Mẫu 01) or refused (Mẫu 03), each at most once."""
    db = db_session()
    dossier = submission_for_check(db, code, g.user.id)
    if dossier.status != SUBMITTED:
        return _checked_already(db, dossier)
    if request.method != "POST":
        return _render_check(dossier, _submitted_values(dossier))
    values = _form_values([dossier.receiving_unit])
    action = request.form.get("action", "")
    try:
        if action == "receive":
            receipt = receive_submission(db, code, components=values["components"],
                                         return_method=values["return_method"],
                                         return_address=values["return_address"], actor_id=g.user.id,
                                         now=clock.now())
            return redirect(url_for(".receipt", code=receipt.code))
        if action == "refusal":
            slip = refuse_submission(db, code, reason=values["reason"], actor_id=g.user.id, now=clock.now())
            return redirect(url_for(".slip", slip_id=slip.id))
        raise ValidationFailed(N_("Thao tác không hợp lệ."), {"action": [N_("Thao tác không hợp lệ.")]})
    except ValidationFailed as exc:
        return _render_check(dossier, values, exc.errors, exc.message, action), 422
    except Conflict:  # checked meanwhile (a double click, a colleague): show the outcome
        return _checked_already(db, submission_for_check(db, code, g.user.id))


@bp.get("/reception/receipts/<code>")
@login_required
def receipt(code: str):
    db = db_session()
    dossier = view_dossier(db, code, g.user.id, clock.now())
    if dossier.register_number is None:  # an online submission not received (yet): no receipt to print
        return redirect(url_for(".online_check", code=code))
    return render_template(
        "print/mau01.html", dossier=dossier, procedure=dossier.procedure, unit=dossier.receiving_unit,
        parent=parent_unit(db, dossier.receiving_unit), secret=_take_secret(code),
        officer=receiving_officer(db, dossier.id), repeated=request.args.get("repeated") == "1",
        channels=CHANNELS, return_methods=RETURN_METHODS, time_limit=time_limit_text(dossier.procedure),
        may_reissue=may_reset_lookup_secret(db, dossier, g.user.id))


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
                           channels=CHANNELS, repeated=request.args.get("repeated") == "1",
                           dossier_code=slip_dossier_code(db, found))


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
            "components": [], "return_method": "desk", "return_address": "", "reason": "", "other_missing": [],
            "confirm_duplicate": False}


def _submitted_values(dossier) -> dict:
    """The check form as the citizen submitted it: the components they sent ticked."""
    return {**_blank_values([dossier.receiving_unit]), "components": [c["name"] for c in dossier.components],
            "return_method": dossier.return_method, "return_address": dossier.return_address}


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
        "confirm_duplicate": form.get("confirm_duplicate") == "yes",
    }


def _uploads(procedure) -> list[Upload]:
    uploads = []
    for index, document in enumerate(procedure.documents):
        for file in request.files.getlist(f"file_{index}")[:SCAN_SLOTS]:
            if file and file.filename:
                uploads.append(Upload(document["name"], file.filename, file.read(), f"file_{index}"))
    return uploads


def _render_form(procedure, units, values, errors=None, message=None, action=None, *, token: str):
    return render_template("reception_form.html", procedure=procedure, units=units, values=values,
                           errors=errors or {}, message=message, action=action, channels=CHANNELS, form_token=token,
                           return_methods=RETURN_METHODS, time_limit=time_limit_text(procedure, translate=True),
                           unstaffed=unstaffed_lanes(db_session(), procedure.code, [u.id for u in units], clock.now()))


def _render_check(dossier, values, errors=None, message=None, action=None):
    return render_template("reception_online.html", dossier=dossier, procedure=dossier.procedure, values=values,
                           errors=errors or {}, message=message, action=action, channels=CHANNELS,
                           return_methods=RETURN_METHODS, time_limit=time_limit_text(dossier.procedure, translate=True))


def _checked_already(db, dossier):
    """Where a submission checked before stands: its receipt, or the Mẫu 03 that refused it."""
    slip = slip_of_dossier(db, dossier.id)
    if slip is not None:
        return redirect(url_for(".slip", slip_id=slip.id, repeated=1))
    return redirect(url_for(".receipt", code=dossier.code, repeated=1))


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="motcua-reception-form")


def _new_form_token() -> str:
    """A one-time token for a desk form: signed with the user it was issued to; the server keeps it once used."""
    return _signer().dumps([g.user.id, secrets.token_urlsafe(24)])


def _form_nonce(token: str) -> str:
    """The nonce of a form token issued to this user, not older than FORM_TOKEN_MAX_AGE."""
    try:
        user_id, nonce = _signer().loads(token, max_age=FORM_TOKEN_MAX_AGE)
    except SignatureExpired:
        message = N_("Biểu mẫu đã mở quá lâu; hãy kiểm tra lại thông tin rồi gửi lại.")
        raise ValidationFailed(message, {"form_token": [message]}) from None
    except (BadSignature, TypeError, ValueError):
        message = N_("Biểu mẫu không hợp lệ hoặc đã cũ; hãy kiểm tra lại thông tin rồi gửi lại.")
        raise ValidationFailed(message, {"form_token": [message]}) from None
    if user_id != g.user.id:
        message = N_("Biểu mẫu được mở bởi tài khoản khác; hãy kiểm tra lại thông tin rồi gửi lại.")
        raise ValidationFailed(message, {"form_token": [message]})
    return nonce


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
