"""A procedure's versions through the API, so procedures kept in git can be deployed by a script: upload a
folder as a zip (a draft), submit, approve, reject, activate, and export the same zip back."""
from __future__ import annotations

from datetime import date

from flask import Response, current_app, g, jsonify, request, url_for

from engine import (
    VERSION_STATE_LABELS,
    ValidationFailed,
    activate_version,
    approve_version,
    clock,
    create_draft,
    export_version,
    migrate_dossiers,
    migration_candidates,
    reject_version,
    require_admin,
    require_designer,
    submit_version,
    version_for,
    versions_for,
)

from ..db import db_session
from ..guards import day
from . import bp
from .procedures import CODE
from .registry import endpoint, iso, parse_instant
from .schemas import ERROR, SCHEMAS

NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1},
          "description": "Số thứ tự phiên bản"}
ZIP = "application/zip"
FINDING = {
    "type": "object", "required": ["severity", "message", "file", "element", "name", "line"],
    "properties": {
        "severity": {"enum": ["error", "warning"], "description": "error chặn việc lưu; warning chỉ nhắc"},
        "message": {"type": "string", "description": "Điều sai hoặc đáng ngờ, bằng tiếng Việt"},
        "file": {"type": ["string", "null"], "description": "Tệp trong thư mục thủ tục (process.bpmn, forms/…)"},
        "element": {"type": ["string", "null"], "description": "Mã phần tử BPMN (id)"},
        "name": {"type": ["string", "null"], "description": "Tên phần tử BPMN"},
        "line": {"type": ["integer", "null"], "description": "Dòng trong tệp"},
    },
}
SCHEMAS["InvalidVersion"] = {**ERROR, "properties": {"error": {
    **ERROR["properties"]["error"],
    "properties": {**ERROR["properties"]["error"]["properties"], "findings": {
        "type": "array", "items": FINDING,
        "description": "Mọi phát hiện của bước kiểm tra (lỗi và cảnh báo), mỗi phát hiện nêu tệp, phần tử và dòng"}},
}}}


def version_summary(version) -> dict:
    return {"number": version.number, "status": version.status, "status_label": VERSION_STATE_LABELS[version.status],
            "created_at": iso(version.created_at), "submitted_at": iso(version.submitted_at),
            "reviewed_at": iso(version.reviewed_at), "review_note": version.review_note or "",
            "decision_number": version.decision_number or "",
            "decision_date": version.decision_date.isoformat() if version.decision_date else None,
            "decision_signer": version.decision_signer or "", "activate_at": iso(version.activate_at),
            "activated_at": iso(version.activated_at), "retired_at": iso(version.retired_at)}


def version_detail(version) -> dict:
    return {**version_summary(version), "files": sorted(version.files), "forms": sorted(version.forms)}


@endpoint(bp, "/procedures/<code>/versions", methods=["GET"], tags=["Phiên bản quy trình"], parameters=[CODE],
          summary="Các phiên bản quy trình nội bộ của một thủ tục, mới nhất trước",
          responses={200: "VersionList", 403: "Error", 404: "Error"})
def versions(code: str):
    return jsonify(items=[version_summary(v) for v in versions_for(db_session(), code, g.actor_id)])


@endpoint(bp, "/procedures/<code>/versions", methods=["POST"], tags=["Phiên bản quy trình"], parameters=[CODE],
          upload=ZIP, authorize=require_designer, summary="Tải lên thư mục thủ tục (.zip) thành bản nháp",
          description="Nội dung yêu cầu là tệp .zip của thư mục thủ tục (procedure.toml, *.bpmn, forms/*.json), "
                      "cùng cấu trúc với bpmn/<thư-mục>/ và với tệp xuất. Phiên bản được kiểm tra như khi nạp thư "
                      "mục; mọi phát hiện (lỗi và cảnh báo) có trong findings, mỗi phát hiện nêu tệp, mã và tên "
                      "phần tử, dòng; fields nhóm chúng theo tệp#phần tử. Không lưu gì khi có lỗi.",
          responses={201: "VersionDetail", 403: "Error", 404: "Error", 422: "InvalidVersion"})
def upload_version(code: str):
    if request.mimetype not in (ZIP, "application/octet-stream"):
        raise ValidationFailed("Nội dung yêu cầu phải là tệp .zip (Content-Type: application/zip).",
                               {"package": ["Gửi tệp .zip của thư mục thủ tục."]})
    settings = current_app.config["MOTCUA_SETTINGS"]
    session = db_session()
    version = create_draft(session, code, request.get_data(cache=False), settings.bpmn_path, g.actor_id,
                           clock.now(), settings.max_bpmn_bytes)
    response = jsonify(version_detail(version))
    response.status_code = 201
    response.headers["Location"] = url_for("api.version", code=code, number=version.number)
    return response


@endpoint(bp, "/procedures/<code>/versions/<int:number>", methods=["GET"], tags=["Phiên bản quy trình"],
          parameters=[CODE, NUMBER], summary="Một phiên bản: trạng thái, quyết định phê duyệt và các tệp",
          responses={200: "VersionDetail", 403: "Error", 404: "Error"})
def version(code: str, number: int):
    return jsonify(version_detail(version_for(db_session(), code, number, g.actor_id)))


@endpoint(bp, "/procedures/<code>/versions/<int:number>/submit", methods=["POST"], tags=["Phiên bản quy trình"],
          parameters=[CODE, NUMBER], summary="Gửi bản nháp (hoặc bản bị từ chối) đi phê duyệt",
          description="Bản nháp còn lỗi (theo bước kiểm tra) không gửi được: 422 với mọi phát hiện trong findings; "
                      "cảnh báo không chặn.",
          responses={200: "VersionDetail", 403: "Error", 404: "Error", 409: "Error", 422: "InvalidVersion"})
def submit(code: str, number: int):
    session = db_session()
    return jsonify(version_detail(submit_version(session, code, number, g.actor_id, clock.now())))


@endpoint(bp, "/procedures/<code>/versions/<int:number>/approve", methods=["POST"], tags=["Phiên bản quy trình"],
          parameters=[CODE, NUMBER], request="ApproveRequest", authorize=require_admin,
          summary="Phê duyệt theo quyết định đã ký (quản trị viên cấp của thủ tục, không phải người soạn)",
          responses={200: "VersionDetail", 403: "Error", 404: "Error", 409: "Error"})
def approve(code: str, number: int, body: dict):
    session = db_session()
    activate_at = parse_instant(body["activate_at"], "activate_at") if body.get("activate_at") else None
    version = approve_version(session, code, number, g.actor_id, clock.now(),
                              decision_number=body["decision_number"],
                              decision_date=_day(body["decision_date"], "decision_date"),
                              signer=body["decision_signer"], activate_at=activate_at)
    return jsonify(version_detail(version))


@endpoint(bp, "/procedures/<code>/versions/<int:number>/reject", methods=["POST"], tags=["Phiên bản quy trình"],
          parameters=[CODE, NUMBER], request="RejectRequest", authorize=require_admin,
          summary="Từ chối, trả về người thiết kế kèm lý do",
          responses={200: "VersionDetail", 403: "Error", 404: "Error", 409: "Error"})
def reject(code: str, number: int, body: dict):
    session = db_session()
    version = reject_version(session, code, number, g.actor_id, clock.now(), body["note"])
    return jsonify(version_detail(version))


@endpoint(bp, "/procedures/<code>/versions/<int:number>/activate", methods=["POST"], tags=["Phiên bản quy trình"],
          parameters=[CODE, NUMBER], summary="Áp dụng ngay phiên bản đã phê duyệt",
          description="Phiên bản đang áp dụng chuyển sang ngừng áp dụng; hồ sơ đang xử lý giữ phiên bản cũ.",
          responses={200: "VersionDetail", 403: "Error", 404: "Error", 409: "Error"})
def activate(code: str, number: int):
    session = db_session()
    return jsonify(version_detail(activate_version(session, code, number, g.actor_id, clock.now())))


@endpoint(bp, "/procedures/<code>/versions/<int:number>/export", methods=["GET"], tags=["Phiên bản quy trình"],
          parameters=[CODE, NUMBER], summary="Tải về phiên bản dưới dạng .zip của thư mục thủ tục",
          responses={200: "Zip", 403: "Error", 404: "Error"})
def export(code: str, number: int):
    name, data = export_version(db_session(), code, number, g.actor_id)
    return Response(data, mimetype=ZIP, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _day(text: str, field: str) -> date:
    parsed = day(text)
    if parsed is None:
        raise ValidationFailed("Dữ liệu gửi lên chưa hợp lệ.", {field: ["Cần ngày dạng YYYY-MM-DD."]})
    return parsed


@endpoint(bp, "/procedures/<code>/migrations", methods=["GET"], tags=["Phiên bản quy trình"], parameters=[CODE],
          summary="Chạy thử việc chuyển hồ sơ đang xử lý sang phiên bản đang áp dụng",
          description="Mỗi hồ sơ còn chạy theo phiên bản cũ: chuyển được không, lý do nếu không, đang ở bước nào "
                      "và sẽ ở bước nào sau khi chuyển. Không ghi gì.",
          responses={200: "MigrationPlan", 403: "Error", 404: "Error", 409: "Error"})
def migration_plan(code: str):
    checks = migration_candidates(db_session(), code, g.actor_id, clock.now())
    return jsonify(items=[{"dossier_code": c.dossier_code, "from_version": c.from_version,
                           "to_version": c.to_version, "movable": c.movable, "reasons": c.reasons,
                           "steps_now": c.steps_now, "steps_after": c.steps_after} for c in checks])


@endpoint(bp, "/procedures/<code>/migrations", methods=["POST"], tags=["Phiên bản quy trình"], parameters=[CODE],
          request="MigrationRequest", authorize=require_admin,
          summary="Chuyển các hồ sơ đã chọn sang phiên bản đang áp dụng",
          description="Mỗi hồ sơ được chuyển trong một giao dịch riêng; hồ sơ không chuyển được nêu lý do, các hồ "
                      "sơ khác vẫn được chuyển.",
          responses={200: "MigrationResults", 403: "Error", 404: "Error", 409: "Error"})
def migrate(code: str, body: dict):
    results = migrate_dossiers(current_app.extensions["motcua"], code, body["dossiers"], g.actor_id, clock.now())
    return jsonify(items=[{"dossier_code": r.dossier_code, "moved": r.moved, "message": r.message}
                          for r in results])
