"""Upload limits kept while the request streams in: each file and each request, answered with 413 and the limits.

The request's limit is Werkzeug's max_content_length (refused from Content-Length before anything is read, or as
soon as a chunked body passes it); each file part is written to a spooled temporary file that refuses the byte
past settings.attachment_max_bytes, so no file bigger than that is ever held, in memory or on disk.
"""
from __future__ import annotations

import tempfile

from flask import Flask, current_app, request
from flask import Request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from .api.errors import error_response
from .errors import error_page
from .i18n import N_

SPOOL_BYTES = 500 * 1024  # a file part past this size goes to a temporary file on disk (Werkzeug's default)
MEGABYTE = 1_000_000
FILE_TOO_LARGE = N_("Tệp %(name)s vượt quá dung lượng cho phép: mỗi tệp tối đa %(file)s MB.")
REQUEST_TOO_LARGE = N_("Dữ liệu gửi lên vượt quá dung lượng cho phép: mỗi tệp tối đa %(file)s MB, "
                       "cả lần gửi tối đa %(total)s MB.")
BODY_TOO_LARGE = N_("Nội dung yêu cầu vượt quá dung lượng cho phép: tối đa %(total)s MB.")


class FileTooLarge(RequestEntityTooLarge):
    """One file of a form post passed the per-file limit while it was being received."""

    def __init__(self, filename: str):
        super().__init__()
        self.filename = filename


class CappedFile(tempfile.SpooledTemporaryFile):
    """A file part's container that refuses to grow past `limit` bytes."""

    def __init__(self, limit: int, filename: str):
        super().__init__(max_size=SPOOL_BYTES, mode="rb+")
        self.limit, self.filename, self.received = limit, filename, 0

    def write(self, data) -> int:
        self.received += len(data)
        if self.received > self.limit:
            self.close()
            raise FileTooLarge(self.filename)
        return super().write(data)


class UploadRequest(Request):
    """The app's request: file parts stream into CappedFile."""

    def _get_file_stream(self, total_content_length, content_type, filename=None, content_length=None):
        return CappedFile(current_app.config["MOTCUA_SETTINGS"].attachment_max_bytes, filename or "")


def megabytes(count: int) -> str:
    return f"{count / MEGABYTE:g}"


def too_large(error: RequestEntityTooLarge):
    """413 with the limits the user ran into: a JSON error under /api/, the error page elsewhere."""
    settings = current_app.config["MOTCUA_SETTINGS"]
    if request.path.startswith("/api/"):
        return error_response(413, _(BODY_TOO_LARGE, total=megabytes(request.max_content_length or 0)))
    limits = {"file": megabytes(settings.attachment_max_bytes), "total": megabytes(settings.upload_max_bytes)}
    if isinstance(error, FileTooLarge):
        return error_page(413, _(FILE_TOO_LARGE, name=error.filename, **limits))
    return error_page(413, _(REQUEST_TOO_LARGE, **limits))


def init_app(app: Flask) -> None:
    app.request_class = UploadRequest
    app.register_error_handler(RequestEntityTooLarge, too_large)
