"""Delegations (ủy quyền) recorded by an administrator on a delegator's behalf, and API tokens: lists and
revocation."""
from __future__ import annotations

from flask import g, request, url_for
from flask_babel import gettext as _

from engine import (
    clock,
    create_delegation,
    DELEGATION_STATE_LABELS,
    delegations_page,
    list_tokens,
    revoke_delegation,
    SIGNATURE_FORMS,
    withdraw_token,
)

from ..auth import login_required
from ..db import db_session
from ..i18n import N_
from . import bp, int_or_none, local_time_or_none, render, submit

# The engine's labels, marked for the English catalogue.
STATE_TEXTS = (N_("Đang hiệu lực"), N_("Chưa đến hạn"), N_("Hết hạn"), N_("Đã thu hồi"))
FORM_TEXTS = (N_("Thừa ủy quyền"), N_("Ký thay"), N_("Thừa lệnh"), N_("Quyền"))
TOKEN_STATES = {"valid": N_("Còn hiệu lực"), "expired": N_("Hết hạn"), "revoked": N_("Đã thu hồi")}


@bp.get("/delegations")
@login_required
def delegations():
    return _delegations_page()


@bp.post("/delegations")
@login_required
def new_delegation():
    return submit(_create_delegation, _delegations_page, _("Đã ghi nhận ủy quyền."), url_for(".delegations"),
                  failed="new")


def _create_delegation():
    form = request.form
    role_key, _sep, unit_code = form.get("scope", "").partition("@")
    return create_delegation(db_session(), from_user_id=int_or_none(form.get("from_user_id")),
                             to_user_id=int_or_none(form.get("to_user_id")), role_key=role_key, unit_code=unit_code,
                             valid_from=local_time_or_none(form.get("valid_from")),
                             valid_to=local_time_or_none(form.get("valid_to")),
                             signature_form=form.get("signature_form", ""), actor_id=g.user.id, now=clock.now(),
                             procedure_code=form.get("procedure_code") or None)


@bp.post("/delegations/<int:delegation_id>/revoke")
@login_required
def revoke(delegation_id: int):
    return submit(lambda: revoke_delegation(db_session(), delegation_id, g.user.id, clock.now()),
                  _delegations_page, _("Đã thu hồi ủy quyền."), url_for(".delegations"))


def _delegations_page(status: int = 200, **state):
    shown = request.args.get("state", "")
    shown = shown if shown in DELEGATION_STATE_LABELS else None
    page = delegations_page(db_session(), g.user.id, clock.now(), shown)
    values = request.form if request.method == "POST" else {}
    return render("admin.delegations", "admin/delegations.html", status=status, page=page, shown=shown, values=values,
                  STATE_LABELS=DELEGATION_STATE_LABELS, SIGNATURE_FORMS=SIGNATURE_FORMS, **state)


@bp.get("/tokens")
@login_required
def tokens():
    return _tokens_page()


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    return submit(lambda: withdraw_token(db_session(), g.user.id, token_id, clock.now()), _tokens_page,
                  _("Đã thu hồi mã truy cập #%(id)s.", id=token_id), url_for(".tokens"))


def _tokens_page(status: int = 200, **state):
    return render("admin.tokens", "admin/tokens.html", status=status, rows=list_tokens(db_session(), g.user.id, clock.now()),
                  TOKEN_STATES=TOKEN_STATES, **state)
