"""GET /openapi.json: the OpenAPI 3.1 document, built from the operations the `endpoint` decorator recorded."""
from __future__ import annotations

import re

from flask import jsonify, request

from . import bp
from .registry import JSON_MAX_BYTES, OPERATIONS, Operation, endpoint
from .reports import SCHEMAS as REPORT_SCHEMAS
from .schemas import SCHEMAS, ref

TITLE = "motcua — API tích hợp hệ thống"
VERSION = "1.0.0"
DEFAULT_ERRORS = {400: "Yêu cầu không hợp lệ (ký tự NUL trong địa chỉ hoặc tham số; nội dung không phải đối tượng "
                       "JSON; tham số truy vấn của báo cáo sai, fields nêu tham số)",
                  401: "Thiếu hoặc sai mã truy cập", 413: "Nội dung yêu cầu quá lớn",
                  422: "Dữ liệu không hợp lệ; fields nêu lỗi từng trường"}
DESCRIPTIONS = {200: "Thành công", 201: "Đã tạo", 204: "Xong, không có nội dung trả về", 403: "Không có quyền", 404: "Không tìm thấy",
                405: "Phương thức không được hỗ trợ", 409: "Xung đột: đối tượng đã bị thay đổi",
                429: "Quá nhiều yêu cầu", 500: "Lỗi hệ thống"}
BINARY = {"Zip": "application/zip"}  # response "schemas" that are files, not JSON
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def openapi_path(rule: str) -> str:
    """Flask's `/api/v1/work-items/<int:item_id>` as OpenAPI's `/work-items/{item_id}` (below the server URL)."""
    return _CONVERTER.sub(lambda match: "{" + match.group(2) + "}", rule.removeprefix(bp.url_prefix))


def build_document(server_url: str) -> dict:
    paths: dict[str, dict] = {}
    for operation in OPERATIONS:
        paths.setdefault(openapi_path(operation.rule), {})[operation.method] = _operation(operation)
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION,
                 "description": "API JSON để đồng bộ với Cổng dịch vụ công và các hệ thống khác. "
                                "Mọi thời điểm theo ISO 8601, giờ Việt Nam (+07:00). Nội dung JSON của một yêu "
                                f"cầu tối đa {JSON_MAX_BYTES:,} byte (lớn hơn: 413). Quyền của người gọi được "
                                "kiểm tra trước khi đọc nội dung yêu cầu."},
        "servers": [{"url": server_url}],
        "tags": [{"name": name} for name in dict.fromkeys(t for o in OPERATIONS for t in o.tags)],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "Mã lấy từ POST /tokens"}},
            "schemas": {**SCHEMAS, **REPORT_SCHEMAS},
        },
        "paths": paths,
    }


def _operation(operation: Operation) -> dict:
    responses = dict(operation.responses)
    responses.setdefault(400, "Error")  # any address or query may carry a NUL character
    if operation.auth:
        responses.setdefault(401, "Error")
    if operation.request or operation.upload:
        responses.setdefault(413, "Error")
        responses.setdefault(422, "Error")
    responses.setdefault(500, "Error")
    document = {
        "operationId": re.sub(r"\W+", "_", f"{operation.method}{openapi_path(operation.rule)}").strip("_"),
        "summary": operation.summary,
        "tags": list(operation.tags),
        "parameters": list(operation.parameters),
        "responses": {str(status): _response(status, name) for status, name in sorted(responses.items())},
        "security": [{"bearer": []}] if operation.auth else [],
    }
    if operation.description:
        document["description"] = operation.description
    if operation.request:
        document["requestBody"] = {"required": True,
                                   "content": {"application/json": {"schema": ref(operation.request)}}}
    if operation.upload:
        document["requestBody"] = {"required": True, "content": {operation.upload: {
            "schema": {"type": "string", "contentMediaType": operation.upload}}}}
    return document


def _response(status: int, name: str | None) -> dict:
    response = {"description": DEFAULT_ERRORS.get(status) or DESCRIPTIONS.get(status, "Lỗi")}
    if name in BINARY:
        response["content"] = {BINARY[name]: {"schema": {"type": "string", "contentMediaType": BINARY[name]}}}
    elif name:
        response["content"] = {"application/json": {"schema": ref(name)}}
    return response


@endpoint(bp, "/openapi.json", methods=["GET"], auth=False, tags=["Tài liệu"],
          summary="Tài liệu OpenAPI 3.1 của API này", responses={200: "OpenAPI"})
def openapi_document():
    return jsonify(build_document(request.host_url.rstrip("/") + bp.url_prefix))
