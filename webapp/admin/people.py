"""Users (the searchable list, a new account, one account's name, lock, password and memberships) and roles."""
from __future__ import annotations

from flask import g, request, url_for
from flask_babel import gettext as _

from engine import (
    account_page,
    add_membership,
    clock,
    create_account,
    create_role,
    list_accounts,
    list_roles,
    remove_membership,
    rename_account,
    rename_role,
    require_admin,
    reset_password,
    set_account_active,
)

from ..auth import login_required
from ..db import db_session
from . import bp, int_or_none, render, submit

SECRET_FIELDS = ("password", "password_again")  # never written back into a page


@bp.get("/users")
@login_required
def users():
    query = request.args.get("q", "").strip()[:100]
    state = {"active": True, "locked": False}.get(request.args.get("state", ""))
    found = list_accounts(db_session(), g.user.id, query, page=int_or_none(request.args.get("page")) or 1,
                          active=state)
    return render("admin.users", "admin/users.html", found=found, query=query, state=request.args.get("state", ""))


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    def page(**state):
        values = {k: v for k, v in request.form.items() if k not in SECRET_FIELDS}
        return render("admin.users", "admin/user_new.html", values=values, **state)

    if request.method != "POST":
        require_admin(db_session(), g.user.id)
        return page()
    form = request.form
    return submit(lambda: create_account(
        db_session(), g.user.id, username=form.get("username", ""), full_name=form.get("full_name", ""),
        password=form.get("password", ""), password_again=form.get("password_again", ""), now=clock.now()),
        page, _("Đã tạo tài khoản %(username)s; hãy giao vai trò cho tài khoản.",
                username=form.get("username", "").strip()),
        lambda created: url_for(".user", user_id=created.id))


@bp.get("/users/<int:user_id>")
@login_required
def user(user_id: int):
    return _user_page(user_id)


@bp.post("/users/<int:user_id>/name")
@login_required
def rename_user(user_id: int):
    return submit(lambda: rename_account(db_session(), g.user.id, user_id, request.form.get("full_name", ""),
                                         clock.now()),
                  lambda **state: _user_page(user_id, **state), _("Đã đổi họ tên."),
                  url_for(".user", user_id=user_id), failed="name")


@bp.post("/users/<int:user_id>/<any(disable, enable):action>")
@login_required
def lock_user(user_id: int, action: str):
    active = action == "enable"
    return submit(lambda: set_account_active(db_session(), g.user.id, user_id, active, clock.now()),
                  lambda **state: _user_page(user_id, **state),
                  _("Đã mở khóa tài khoản.") if active else
                  _("Đã khóa tài khoản: người dùng không đăng nhập được nữa, phiên làm việc và mã truy cập API "
                    "của họ hết hiệu lực."),
                  url_for(".user", user_id=user_id), failed="lock")


@bp.post("/users/<int:user_id>/password")
@login_required
def password(user_id: int):
    form = request.form
    return submit(lambda: reset_password(db_session(), g.user.id, user_id, form.get("password", ""),
                                         form.get("password_again", ""), clock.now()),
                  lambda **state: _user_page(user_id, **state),
                  _("Đã đặt mật khẩu mới; các phiên đăng nhập cũ của người dùng đã kết thúc."),
                  url_for(".user", user_id=user_id), failed="password")


@bp.post("/users/<int:user_id>/memberships")
@login_required
def membership_add(user_id: int):
    form = request.form
    return submit(lambda: add_membership(db_session(), g.user.id, user_id, int_or_none(form.get("role_id")),
                                         int_or_none(form.get("unit_id")), clock.now()),
                  lambda **state: _user_page(user_id, **state), _("Đã giao vai trò."),
                  url_for(".user", user_id=user_id), failed="membership")


@bp.post("/users/<int:user_id>/memberships/<int:membership_id>/remove")
@login_required
def membership_remove(user_id: int, membership_id: int):
    return submit(lambda: remove_membership(db_session(), g.user.id, user_id, membership_id, clock.now()),
                  lambda **state: _user_page(user_id, **state), _("Đã gỡ vai trò."),
                  url_for(".user", user_id=user_id), failed="remove")


def _user_page(user_id: int, status: int = 200, **state):
    values = {k: v for k, v in request.form.items() if k not in SECRET_FIELDS}
    return render("admin.users", "admin/user.html", status=status, page=account_page(db_session(), g.user.id, user_id),
                  values=values, **state)


@bp.get("/roles")
@login_required
def roles():
    return _roles_page()


@bp.post("/roles")
@login_required
def new_role():
    form = request.form
    return submit(lambda: create_role(db_session(), g.user.id, form.get("key", ""), form.get("name", ""),
                                      clock.now()),
                  _roles_page, _("Đã tạo vai trò %(key)s.", key=form.get("key", "").strip()), url_for(".roles"),
                  failed="new")


@bp.post("/roles/<int:role_id>")
@login_required
def edit_role(role_id: int):
    return submit(lambda: rename_role(db_session(), g.user.id, role_id, request.form.get("name", ""), clock.now()),
                  _roles_page, _("Đã đổi tên vai trò."), url_for(".roles"), failed=f"role-{role_id}")


def _roles_page(status: int = 200, **state):
    return render("admin.roles", "admin/roles.html", status=status, roles=list_roles(db_session(), g.user.id),
                  values=request.form, **state)
