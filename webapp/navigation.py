"""The menu an official sees, by the roles they hold; the engine still checks every action."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, g, request
from flask_babel import LazyString, lazy_pgettext

from engine import ADMIN_ROLE, DESIGNER_ROLE, LEADER_ROLES, role_keys_of

from .db import db_session

OFFICE_ROLES = None  # any role that works dossiers: everyone but a pure designer or administrator


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: LazyString  # translated when the menu is rendered, in the reader's language
    roles: frozenset[str] | None  # None: every official who works dossiers


MENU = (
    NavItem("inbox.index", lazy_pgettext("menu", "Công việc"), None),
    NavItem("reception.index", lazy_pgettext("menu", "Tiếp nhận hồ sơ"), frozenset({"mot_cua"})),
    NavItem("dossiers.search", lazy_pgettext("menu", "Hồ sơ"), None),
    NavItem("reports.register", lazy_pgettext("menu", "Sổ theo dõi"), None),
    NavItem("statistics.report", lazy_pgettext("menu", "Báo cáo"), frozenset({ADMIN_ROLE, *LEADER_ROLES})),
    NavItem("catalogue.index", lazy_pgettext("menu", "Thủ tục"),
            frozenset({"mot_cua", DESIGNER_ROLE, ADMIN_ROLE, *LEADER_ROLES})),
    NavItem("versions.index", lazy_pgettext("menu", "Quy trình nội bộ"), frozenset({DESIGNER_ROLE, ADMIN_ROLE})),
    NavItem("studio.index", lazy_pgettext("menu", "Thiết kế"), frozenset({DESIGNER_ROLE})),
    NavItem("operations.overview", lazy_pgettext("menu", "Vận hành"), frozenset({ADMIN_ROLE})),
    NavItem("admin.index", lazy_pgettext("menu", "Quản trị"), frozenset({ADMIN_ROLE})),
)


def menu_for(roles: set[str]) -> list[NavItem]:
    works = bool(roles - {DESIGNER_ROLE, ADMIN_ROLE})
    return [item for item in MENU if (works if item.roles is None else bool(roles & item.roles))]


def _menu():
    if g.get("user") is None:
        return {"nav_items": [], "nav_active": ""}
    if "role_keys" not in g:
        g.role_keys = role_keys_of(db_session(), g.user.id)
    active = (request.endpoint or "").split(".")[0]
    active = {"studio_dry_run": "studio"}.get(active, active)  # the dry run is a page of the studio
    return {"nav_items": menu_for(g.role_keys), "nav_active": active, "user_roles": g.role_keys}


def init_app(app: Flask) -> None:
    app.context_processor(_menu)
