"""POST /dossiers (reception by another system) and GET /dossiers/<code> with its timeline."""
from __future__ import annotations

from flask import g, jsonify, url_for

from engine import clock, dossier_timeline, receive_for_integration, require_desk, status_label, view_dossier

from ..db import db_session
from . import bp
from .registry import PATH_TEXT_MAX, endpoint, iso, parse_instant

CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string", "maxLength": PATH_TEXT_MAX},
        "description": "Mã hồ sơ"}


@endpoint(bp, "/dossiers", methods=["POST"], tags=["Hồ sơ"], request="DossierRequest", authorize=require_desk,
          summary="Tiếp nhận hồ sơ (từ Cổng dịch vụ công hoặc bưu chính)",
          description="Chỉ tài khoản giữ vai trò Một cửa; đơn vị tiếp nhận là đơn vị Một cửa của người gọi. "
                      "Hạn giải quyết tính từ received_at theo ngày làm việc.",
          responses={201: "Receipt", 403: "Error", 404: "Error"})
def receive(body: dict):
    now = clock.now()
    received_at = parse_instant(body["received_at"], "received_at") if "received_at" in body else now
    receipt = receive_for_integration(
        db_session(), actor_id=g.actor_id, procedure_code=body["procedure_code"], applicant=body["applicant"],
        channel=body["channel"], received_at=received_at, now=now,
        receiving_unit_code=body.get("receiving_unit_code"), components=body.get("components"),
        return_method=body.get("return_method", "desk"), return_address=body.get("return_address", ""))
    response = jsonify(code=receipt.code, secret=receipt.secret, status=receipt.status, due_at=iso(receipt.due_at),
                       received_at=iso(received_at))
    response.status_code = 201
    response.headers["Location"] = url_for("api.dossier", code=receipt.code)
    return response


@endpoint(bp, "/dossiers/<code>", methods=["GET"], tags=["Hồ sơ"], parameters=[CODE],
          summary="Một hồ sơ và các bước xử lý (Phiếu kiểm soát)", responses={200: "Dossier", 403: "Error", 404: "Error"})
def dossier(code: str):
    session = db_session()
    found = view_dossier(session, code, g.actor_id, clock.now())
    return jsonify(
        code=found.code, procedure_code=found.procedure.code, procedure_name=found.procedure.name,
        status=found.status, status_label=status_label(found.status), channel=found.channel,
        received_at=iso(found.received_at), due_at=iso(found.due_at), extended_due_at=iso(found.extended_due_at),
        finished_at=iso(found.finished_at), returned_at=iso(found.returned_at), applicant=found.applicant,
        receiving_unit_code=found.receiving_unit.code, deciding_unit_code=found.deciding_unit.code,
        timeline=[timeline_step(step) for step in dossier_timeline(session, found.id)],
    )


def timeline_step(step) -> dict:
    return {"work_item_id": step.work_item_id, "bpmn_id": step.bpmn_id, "name": step.name,
            "unit_name": step.unit_name, "role_key": step.role_key, "state": step.state,
            "ready_at": iso(step.ready_at), "due_at": iso(step.due_at), "completed_at": iso(step.completed_at),
            "completed_by": step.completed_by, "on_behalf_of": step.on_behalf_of,
            "signature_form": step.signature_form, "verdict": step.verdict, "notes": step.notes}
