"""GET /procedures and /procedures/<code>: the catalogue of administrative procedures."""
from __future__ import annotations

from flask import jsonify

from engine import get_procedure, list_procedures

from ..db import db_session
from . import bp
from .registry import PATH_TEXT_MAX, endpoint

CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string", "maxLength": PATH_TEXT_MAX},
        "description": "Mã thủ tục (vd. 1.004227) hoặc tên thư mục quy trình"}


def procedure_summary(procedure) -> dict:
    return {"code": procedure.code, "name": procedure.name, "field": procedure.field, "level": procedure.level,
            "variant": procedure.variant, "time_limit": float(procedure.time_limit),
            "time_limit_unit": procedure.time_limit_unit,
            "active_version": procedure.active_version.number if procedure.active_version else None}


@endpoint(bp, "/procedures", methods=["GET"], tags=["Thủ tục"], summary="Danh sách thủ tục hành chính",
          responses={200: "ProcedureList"})
def procedures():
    return jsonify(items=[procedure_summary(p) for p in list_procedures(db_session())])


@endpoint(bp, "/procedures/<code>", methods=["GET"], tags=["Thủ tục"], parameters=[CODE],
          summary="Chi tiết một thủ tục: thành phần hồ sơ và phí, lệ phí", responses={200: "ProcedureDetail", 404: "Error"})
def procedure(code: str):
    found = get_procedure(db_session(), code)
    return jsonify({**procedure_summary(found), "documents": list(found.documents or []),
                    "fees": list(found.fees or [])})
