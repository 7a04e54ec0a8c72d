"""JSON Schemas of the API's bodies: the same dicts validate requests and fill the OpenAPI components."""
from __future__ import annotations

from engine import APPLICANT_SCHEMA, CHANNELS, RETURN_METHODS, VIEWS


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def instant(description: str = "") -> dict:
    return {"type": "string", "format": "date-time", "description": description or "ISO 8601, giờ Việt Nam (+07:00)"}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def text(max_length: int, **extra) -> dict:
    return {"type": "string", "maxLength": max_length, **extra}


ERROR = {
    "type": "object", "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["status", "message", "fields"],
        "properties": {
            "status": {"type": "integer"},
            "message": {"type": "string", "description": "Thông báo lỗi bằng tiếng Việt"},
            "fields": {"type": "object", "description": "Đường dẫn trường (vd. applicant.phone) → các lỗi",
                       "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        },
    }},
}
TOKEN_REQUEST = {
    "type": "object", "additionalProperties": False, "required": ["username", "password"],
    "properties": {"username": text(80, minLength=1), "password": text(200, minLength=1)},
}
TOKEN = {
    "type": "object", "required": ["token", "token_type", "expires_at"],
    "properties": {"token": {"type": "string"}, "token_type": {"const": "Bearer"}, "expires_at": instant()},
}
PROCEDURE = {
    "type": "object",
    "properties": {
        "code": {"type": "string"}, "name": {"type": "string"}, "field": {"type": "string"},
        "level": {"type": "string"}, "variant": {"type": "string"}, "time_limit": {"type": "number"},
        "time_limit_unit": {"type": "string"},
        "active_version": nullable({"type": "integer", "description": "Số phiên bản quy trình đang áp dụng"}),
    },
}
PROCEDURE_LIST = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": ref("Procedure")}}}
PROCEDURE_DETAIL = {
    "allOf": [ref("Procedure"), {"type": "object", "properties": {
        "documents": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "original": {"type": "integer"}, "certified_copy": {"type": "integer"},
            "photocopy": {"type": "integer"}, "required": {"type": "boolean"}}}},
        "fees": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "amount": {"type": "number"}, "note": {"type": "string"}}}},
    }}],
}
DOSSIER_REQUEST = {
    "type": "object", "additionalProperties": False, "required": ["procedure_code", "applicant", "channel"],
    "properties": {
        "procedure_code": text(40, minLength=1, description="Mã thủ tục (vd. 1.004227) hoặc tên thư mục quy trình"),
        "applicant": APPLICANT_SCHEMA,
        "channel": {"enum": list(CHANNELS), "description": "direct / online / postal"},
        "received_at": text(40, format="date-time",
                            description="Thời điểm nhận (bưu chính) hoặc nộp trực tuyến, ISO 8601 có múi giờ; "
                                        "mặc định: bây giờ"),
        "receiving_unit_code": text(40, description="Bắt buộc khi người gọi làm Một cửa ở nhiều đơn vị"),
        "components": {"type": "array", "maxItems": 100, "items": text(500),
                       "description": "Tên các thành phần hồ sơ đã nhận"},
        "return_method": {"enum": list(RETURN_METHODS)},
        "return_address": text(500),
        "confirm_duplicate": {"type": "boolean", "description": "true: người gọi xác nhận đây không phải hồ sơ "
                                                               "trùng (cùng thủ tục, số định danh, ngày)"},
    },
}
RECEIPT = {
    "type": "object", "required": ["code", "secret", "status", "due_at", "received_at"],
    "properties": {"code": {"type": "string"}, "secret": {"type": "string", "description": "Mã tra cứu của công dân"},
                   "status": {"type": "integer"}, "due_at": nullable(instant()), "received_at": instant()},
}
TIMELINE_STEP = {
    "type": "object",
    "properties": {
        "work_item_id": {"type": "integer"}, "bpmn_id": {"type": "string"}, "name": {"type": "string"},
        "unit_name": {"type": "string"}, "role_key": {"type": "string"},
        "state": {"enum": ["ready", "completed", "cancelled"]}, "ready_at": instant(),
        "due_at": nullable(instant()), "completed_at": nullable(instant()),
        "completed_by": nullable({"type": "string"}), "on_behalf_of": nullable({"type": "string"}),
        "signature_form": nullable({"type": "string"}), "verdict": nullable({"type": "string"}),
        "notes": {"type": "object"},
    },
}
DOSSIER = {
    "type": "object",
    "properties": {
        "code": {"type": "string"}, "procedure_code": {"type": "string"}, "procedure_name": {"type": "string"},
        "status": {"type": "integer"}, "status_label": {"type": "string"}, "channel": {"type": "string"},
        "received_at": instant(), "due_at": nullable(instant()), "extended_due_at": nullable(instant()),
        "finished_at": nullable(instant()), "returned_at": nullable(instant()),
        "applicant": {"type": "object"}, "receiving_unit_code": {"type": "string"},
        "deciding_unit_code": {"type": "string"}, "timeline": {"type": "array", "items": ref("TimelineStep")},
    },
}
WORK_ITEM = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "dossier_code": {"type": "string"}, "procedure_code": {"type": "string"},
        "name": {"type": "string"}, "bpmn_id": {"type": "string"}, "role_key": {"type": "string"},
        "unit_code": {"type": "string"}, "assignee": nullable({"type": "string"}), "ready_at": instant(),
        "due_at": nullable(instant()), "remaining_seconds": nullable({"type": "integer"}),
        "late": {"type": "boolean"}, "due_soon": {"type": "boolean"},
        "form": nullable({"type": "object", "description": "JSON Schema của biểu mẫu (chỉ ở GET /work-items/{id})"}),
    },
}
WORK_ITEM_PAGE = {
    "type": "object", "required": ["items", "total", "page", "per_page", "pages"],
    "properties": {"items": {"type": "array", "items": ref("WorkItem")}, "total": {"type": "integer"},
                   "page": {"type": "integer"}, "per_page": {"type": "integer"}, "pages": {"type": "integer"},
                   "counts": {"type": "object", "additionalProperties": {"type": "integer"}}},
}
COMPLETE_REQUEST = {
    "type": "object", "additionalProperties": False, "required": ["data"],
    "properties": {"data": {"type": "object", "description": "Dữ liệu biểu mẫu, theo JSON Schema ở trường form"}},
}
NEXT_ITEM = {
    "type": "object", "required": ["id", "name", "bpmn_id", "role_key", "unit_code", "unit_name", "due_at", "claimed",
                                   "links"],
    "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "bpmn_id": {"type": "string"},
        "role_key": {"type": "string", "description": "Vai trò xử lý (làn BPMN)"}, "unit_code": {"type": "string"},
        "unit_name": {"type": "string"}, "due_at": nullable(instant("Hạn của bước")),
        "claimed": {"type": "boolean", "description": "Người gọi đã nhận xử lý công việc này"},
        "links": {"type": "object", "required": ["self", "complete"], "properties": {
            "self": {"type": "string"}, "complete": {"type": "string"},
            "claim": {"type": "string", "description": "Chỉ khi chưa ai nhận"}}},
    },
}
COMPLETION = {
    "type": "object",
    "required": ["work_item_id", "dossier_code", "status_before", "status_after", "status_label", "next_items"],
    "properties": {"work_item_id": {"type": "integer"}, "dossier_code": {"type": "string"},
                   "status_before": {"type": "integer"}, "status_after": {"type": "integer",
                                                                          "description": "Trạng thái mới của hồ sơ"},
                   "status_label": {"type": "string", "description": "Tên trạng thái mới"},
                   "verdict": nullable({"enum": ["early", "on_time", "late"]}),
                   "next_items": {"type": "array", "items": ref("NextItem"),
                                  "description": "Công việc đang mở trên hồ sơ mà người gọi nhận được ngay"}},
}
PUBLIC_STATUS = {
    "type": "object",
    "properties": {
        "code": {"type": "string"}, "procedure_name": {"type": "string"}, "status": {"type": "integer"},
        "status_label": {"type": "string"}, "received_at": instant(), "due_at": nullable(instant()),
        "extended_due_at": nullable(instant()), "missing": {"type": "array", "items": {"type": "string"}},
        "result_ready": {"type": "boolean"}, "returned_at": nullable(instant()), "finished": {"type": "boolean"},
        "receiving_unit_name": {"type": "string"}, "can_rate": {"type": "boolean"},
        "rating": nullable({"type": "integer"}),
    },
}
OPENAPI = {"type": "object", "description": "Tài liệu OpenAPI 3.1 này"}
VERSION = {
    "type": "object", "required": ["number", "status", "status_label"],
    "properties": {
        "number": {"type": "integer"},
        "status": {"enum": ["draft", "submitted", "approved", "rejected", "active", "retired"]},
        "status_label": {"type": "string"}, "created_at": instant(), "submitted_at": nullable(instant()),
        "reviewed_at": nullable(instant()), "review_note": {"type": "string", "description": "Lý do từ chối"},
        "decision_number": {"type": "string", "description": "Số quyết định phê duyệt quy trình nội bộ"},
        "decision_date": nullable({"type": "string", "format": "date"}), "decision_signer": {"type": "string"},
        "activate_at": nullable(instant("Thời điểm áp dụng đã hẹn")), "activated_at": nullable(instant()),
        "retired_at": nullable(instant()),
    },
}
VERSION_LIST = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": ref("Version")}}}
VERSION_DETAIL = {"allOf": [ref("Version"), {"type": "object", "properties": {
    "files": {"type": "array", "items": {"type": "string"}, "description": "Các tệp BPMN (common/…: dùng chung)"},
    "forms": {"type": "array", "items": {"type": "string"}}}}]}
APPROVE_REQUEST = {
    "type": "object", "additionalProperties": False, "required": ["decision_number", "decision_date", "decision_signer"],
    "properties": {
        "decision_number": text(60, minLength=1, description="Số quyết định, vd. 125/QĐ-UBND"),
        "decision_date": text(10, format="date", description="Ngày ký, YYYY-MM-DD"),
        "decision_signer": text(255, minLength=1, description="Người ký quyết định"),
        "activate_at": text(40, format="date-time", description="Hẹn áp dụng (ngày quyết định có hiệu lực); "
                                                                 "bỏ trống: áp dụng bằng POST …/activate"),
    },
}
MIGRATION_PLAN = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
    "type": "object", "properties": {
        "dossier_code": {"type": "string"}, "from_version": {"type": "integer"}, "to_version": {"type": "integer"},
        "movable": {"type": "boolean"}, "reasons": {"type": "array", "items": {"type": "string"}},
        "steps_now": {"type": "array", "items": {"type": "string"}},
        "steps_after": {"type": "array", "items": {"type": "string"}}}}}}}
MIGRATION_REQUEST = {"type": "object", "additionalProperties": False, "required": ["dossiers"], "properties": {
    "dossiers": {"type": "array", "minItems": 1, "maxItems": 500, "items": text(60, minLength=1),
                 "description": "Mã các hồ sơ cần chuyển"}}}
MIGRATION_RESULTS = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
    "type": "object", "properties": {"dossier_code": {"type": "string"}, "moved": {"type": "boolean"},
                                     "message": {"type": "string"}}}}}}
REJECT_REQUEST = {"type": "object", "additionalProperties": False, "required": ["note"],
                  "properties": {"note": text(2000, minLength=1, description="Lý do từ chối")}}

SCHEMAS = {
    "Error": ERROR, "TokenRequest": TOKEN_REQUEST, "Token": TOKEN, "Procedure": PROCEDURE,
    "ProcedureList": PROCEDURE_LIST, "ProcedureDetail": PROCEDURE_DETAIL, "DossierRequest": DOSSIER_REQUEST,
    "Receipt": RECEIPT, "TimelineStep": TIMELINE_STEP, "Dossier": DOSSIER, "WorkItem": WORK_ITEM,
    "WorkItemPage": WORK_ITEM_PAGE, "CompleteRequest": COMPLETE_REQUEST, "Completion": COMPLETION, "NextItem": NEXT_ITEM,
    "PublicStatus": PUBLIC_STATUS, "OpenAPI": OPENAPI, "Version": VERSION, "VersionList": VERSION_LIST,
    "VersionDetail": VERSION_DETAIL, "ApproveRequest": APPROVE_REQUEST, "RejectRequest": REJECT_REQUEST,
    "MigrationPlan": MIGRATION_PLAN, "MigrationRequest": MIGRATION_REQUEST, "MigrationResults": MIGRATION_RESULTS,
}
VIEW_PARAMETER = {"name": "view", "in": "query", "required": False,
                  "schema": {"enum": list(VIEWS), "default": "mine"},
                  "description": "mine: việc tôi đang nhận; unit: việc chưa ai nhận ở vai trò/đơn vị của tôi"}
