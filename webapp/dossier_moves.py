"""Moving running dossiers onto a procedure's active version: the dry run as a table, then the chosen moves."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import clock, get_procedure, migrate_dossiers, migration_candidates

from .auth import login_required
from .db import db_session

bp = Blueprint("moves", __name__)


@bp.get("/versions/<code>/move")
@login_required
def dry_run(code: str):
    session = db_session()
    checks = migration_candidates(session, code, g.user.id, clock.now())
    return render_template("versions/move.html", procedure=get_procedure(session, code), checks=checks,
                           results=None)


@bp.post("/versions/<code>/move")
@login_required
def move(code: str):
    chosen = [value for value in request.form.getlist("dossier") if value][:500]
    if not chosen:
        flash(_("Chưa chọn hồ sơ nào để chuyển."), "error")
        return redirect(url_for(".dry_run", code=code))
    results = migrate_dossiers(current_app.extensions["motcua"], code, chosen, g.user.id, clock.now())
    moved = sum(result.moved for result in results)
    flash(_("Đã chuyển %(moved)s/%(total)s hồ sơ sang phiên bản đang áp dụng.", moved=moved, total=len(results)),
          "success" if moved == len(results) else "error")
    session = db_session()
    checks = migration_candidates(session, code, g.user.id, clock.now())
    return render_template("versions/move.html", procedure=get_procedure(session, code), checks=checks,
                           results=results)
