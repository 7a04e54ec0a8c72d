"""Pages for citizens, without login: look a dossier up by code and lookup secret, rate the service once."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from engine import clock, COMMENT_MAX, Conflict, lookup_dossier, NotFound, rate_dossier, RATINGS, ValidationFailed

from .db import db_session
from .guards import decimal
from .errors import log_refusal
from .limits import secret_guessing, secret_guessing_posts

bp = Blueprint("public", __name__)
REFUSAL_REASON = "Tra cứu hồ sơ với mã hoặc mã tra cứu không đúng."


@bp.route("/tra-cuu", methods=["GET", "POST"])
@secret_guessing_posts
def lookup():
    """The form (the receipt's QR code links here with ?code=); a POST shows the dossier's public status."""
    if request.method == "GET":
        return render_template("public.html", code=request.args.get("code", "")[:80].strip())
    code, secret = _credentials()
    try:
        found = lookup_dossier(db_session(), code, secret)
    except NotFound as error:
        return _refused(code, error.message)
    return render_template("public_status.html", found=found, secret=secret, ratings=RATINGS,
                           comment_max=COMMENT_MAX)


@bp.post("/tra-cuu/danh-gia")
@secret_guessing
def rate():
    """The citizen's one rating; the code and secret come again as hidden fields of the status page."""
    code, secret = _credentials()
    comment = request.form.get("comment", "")
    rating = request.form.get("rating", "")
    message, status, field_errors = "", 200, {}
    try:
        rate_dossier(db_session(), code, secret, decimal(rating) or 0, comment, clock.now())
    except NotFound as error:
        return _refused(code, error.message)
    except Conflict as error:
        message, status = error.message, 409
    except ValidationFailed as error:
        message, status, field_errors = error.message, 422, error.errors
    try:
        found = lookup_dossier(db_session(), code, secret)
    except NotFound as error:
        return _refused(code, error.message)
    return render_template("public_status.html", found=found, secret=secret, ratings=RATINGS,
                           comment_max=COMMENT_MAX, rated=status == 200, rating_error=message,
                           field_errors=field_errors, comment=comment), status


def _credentials() -> tuple[str, str]:
    # Bounded lengths: nothing a citizen types reaches the database or a hash unbounded.
    return request.form.get("code", "")[:80].strip(), request.form.get("secret", "")[:40]


def _refused(code: str, message: str):
    log_refusal(REFUSAL_REASON, code=code)  # the code only: the secret never goes into the audit trail
    return render_template("public.html", code=code, error=message), 404
