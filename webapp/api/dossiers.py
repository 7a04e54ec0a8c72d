"""POST /dossiers (reception by another system, repeat-proof with an Idempotency-Key) and GET /dossiers/<code>
with its timeline."""
from __future__ import annotations

from flask import g, jsonify, request, url_for

from engine import (
    claim_idempotency_key,
    clock,
    dossier_timeline,
    receive_for_integration,
    record_idempotent_answer,
    require_desk,
    status_label,
    view_dossier,
)

from ..db import db_session
from . import bp
from .registry import PATH_TEXT_MAX, endpoint, iso, parse_instant

CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string", "maxLength": PATH_TEXT_MAX},
        "description": "Mã hồ sơ"}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7E]+$"},
    "description": "Khóa chống tạo trùng do người gọi đặt (ví dụ một UUID), riêng của mỗi tài khoản, nhớ 24 giờ: "
                   "gửi lại cùng khóa và cùng nội dung nhận lại đúng câu trả lời 201 lần đầu (tiêu đề "
                   "Idempotent-Replayed: true), không tạo hồ sơ mới; cùng khóa với nội dung khác: 409.",
}


@endpoint(bp, "/dossiers", methods=["POST"], tags=["Hồ sơ"], request="DossierRequest", authorize=require_desk,
          summary="Tiếp nhận hồ sơ (từ Cổng dịch vụ công hoặc bưu chính)", parameters=[IDEMPOTENCY_KEY],
          description="Chỉ tài khoản giữ vai trò Một cửa; đơn vị tiếp nhận là đơn vị Một cửa của người gọi. "
                      "Hồ sơ trực tiếp, bưu chính: tiếp nhận ngay (trạng thái 2), hạn giải quyết tính từ "
                      "received_at theo ngày làm việc. Hồ sơ trực tuyến (channel=online): đăng ký ở trạng thái 1 "
                      "(Mới đăng ký), chưa có hạn giải quyết, chờ Bộ phận Một cửa kiểm tra rồi tiếp nhận (2, "
                      "hạn tính từ lúc tiếp nhận) hoặc từ chối (3, Mẫu 03). Hồ sơ có thể trùng (cùng thủ tục, "
                      "cùng số định danh, cùng đơn vị, trong cùng ngày): 409 với fields.confirm_duplicate, trừ "
                      "khi gửi confirm_duplicate: true.",
          responses={201: "Receipt", 403: "Error", 404: "Error", 409: "Error"})
def receive(body: dict):
    now, session = clock.now(), db_session()
    key = request.headers.get("Idempotency-Key")
    if key is not None:
        stored = claim_idempotency_key(session, g.actor_id, key, body, now)
        if stored is not None:
            return _created(stored, replayed=True)
    received_at = parse_instant(body["received_at"], "received_at") if "received_at" in body else now
    receipt = receive_for_integration(
        session, actor_id=g.actor_id, procedure_code=body["procedure_code"], applicant=body["applicant"],
        channel=body["channel"], received_at=received_at, now=now,
        receiving_unit_code=body.get("receiving_unit_code"), components=body.get("components"),
        return_method=body.get("return_method", "desk"), return_address=body.get("return_address", ""),
        confirm_duplicate=body.get("confirm_duplicate") is True)
    answer = {"code": receipt.code, "secret": receipt.secret, "status": receipt.status,
              "due_at": iso(receipt.due_at), "received_at": iso(received_at)}
    if key is not None:
        record_idempotent_answer(session, g.actor_id, key, answer, receipt.dossier_id)
    return _created(answer)


def _created(answer: dict, replayed: bool = False):
    response = jsonify(answer)
    response.status_code = 201
    response.headers["Location"] = url_for("api.dossier", code=answer["code"])
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
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
