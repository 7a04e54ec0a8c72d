"""GET /public/dossiers/<code>?secret=…: the citizen's lookup, without a token, rate-limited per client address."""
from __future__ import annotations

from flask import jsonify, request

from engine import lookup_dossier, NotFound

from ..db import db_session
from ..errors import log_refusal
from ..limits import secret_guessing
from . import bp
from .registry import PATH_TEXT_MAX, endpoint, iso

PARAMETERS = [
    {"name": "code", "in": "path", "required": True, "schema": {"type": "string", "maxLength": PATH_TEXT_MAX},
     "description": "Mã hồ sơ"},
    {"name": "secret", "in": "query", "required": True, "schema": {"type": "string", "maxLength": 100},
     "description": "Mã tra cứu in trên Giấy tiếp nhận"},
]


@endpoint(bp, "/public/dossiers/<code>", methods=["GET"], auth=False, tags=["Tra cứu công khai"],
          parameters=PARAMETERS, summary="Tra cứu tình trạng hồ sơ bằng mã hồ sơ và mã tra cứu",
          description="Không cần mã truy cập. Mã hồ sơ không có và mã tra cứu sai đều trả 404 với cùng thông báo.",
          responses={200: "PublicStatus", 404: "Error", 429: "Error"})
@secret_guessing
def public_dossier(code: str):
    try:
        found = lookup_dossier(db_session(), code, request.args.get("secret", "")[:100])
    except NotFound:
        log_refusal("Tra cứu hồ sơ với mã hoặc mã tra cứu không đúng.")  # the path only: never the secret
        raise
    return jsonify(
        code=found.code, procedure_name=found.procedure_name, status=found.status, status_label=found.status_label,
        received_at=iso(found.received_at), due_at=iso(found.due_at), extended_due_at=iso(found.extended_due_at),
        missing=found.missing, result_ready=found.result_ready, returned_at=iso(found.returned_at),
        finished=found.finished, receiving_unit_name=found.receiving_unit_name, can_rate=found.can_rate,
        rating=found.rating)
