"""User accounts as administrators manage them: the searchable list, creating, renaming, locking and unlocking,
password resets, and memberships (role @ unit)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.infra.audit import record_event
from engine.infra.errors import Conflict, NotFound, ValidationFailed
from engine.infra.text import fold
from engine.models import Membership, Role, Unit, User
from engine.org import access
from engine.org.accounts import create_user, get_user, hash_password
from engine.org.units import UnitNode, tree_of

MAX_PER_PAGE = 100
MIN_PASSWORD = 8  # the messages below say 8


@dataclass(frozen=True)
class AccountsPage:
    rows: list[tuple[User, list[Membership]]]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class AccountPage:
    """One account with its memberships and what may be granted: roles and the unit tree."""

    user: User
    memberships: list[Membership]
    roles: list[Role]
    units: list[UnitNode]


def require_admin(session: Session, actor_id: int) -> None:
    """The access check of an administration page that shows nothing stored yet (a blank form)."""
    access.check_admin(access.grants_of(session, actor_id))


def require_designer(session: Session, actor_id: int) -> None:
    """The role check of a designer's upload, made before its file is read (the draft's own check follows)."""
    access.check_design(access.grants_of(session, actor_id))


def list_accounts(session: Session, actor_id: int, query: str = "", page: int = 1, per_page: int = 25,
                  active: bool | None = None) -> AccountsPage:
    """Accounts whose username or full name holds every word of the query, typed with or without diacritics."""
    access.check_admin(access.grants_of(session, actor_id))
    words, per_page = fold(query).split(), min(max(1, int(per_page)), MAX_PER_PAGE)
    statement = select(User.id, User.username, User.full_name).order_by(User.full_name, User.id)
    if active is not None:
        statement = statement.where(User.is_active.is_(active))
    # Officials number in the thousands at most: folding names here works the same on every database.
    found = [uid for uid, username, name in session.execute(statement)
             if all(w in fold(f"{username} {name}") for w in words)]
    pages = max(1, -(-len(found) // per_page))
    page = min(max(1, int(page)), pages)
    ids = found[(page - 1) * per_page: page * per_page]
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    held: dict[int, list[Membership]] = {uid: [] for uid in ids}
    if ids:
        for membership in session.scalars(select(Membership).where(Membership.user_id.in_(ids))
                                          .order_by(Membership.id)):
            held[membership.user_id].append(membership)
    return AccountsPage([(users[uid], held[uid]) for uid in ids], page, pages, len(found))


def account_page(session: Session, actor_id: int, user_id: int) -> AccountPage:
    access.check_admin(access.grants_of(session, actor_id))
    user = get_user(session, user_id)
    memberships = list(session.scalars(select(Membership).where(Membership.user_id == user.id)
                                       .order_by(Membership.id)))
    return AccountPage(user, memberships, list(session.scalars(select(Role).order_by(Role.key))),
                       tree_of(list(session.scalars(select(Unit).order_by(Unit.code)))))


def create_account(session: Session, actor_id: int, *, username: str, full_name: str, password: str,
                   password_again: str, now: datetime) -> User:
    """A new active account; the password is typed twice, at least MIN_PASSWORD characters."""
    access.check_admin(access.grants_of(session, actor_id))
    username, full_name = (username or "").strip(), _name(full_name)
    errors = _password_errors(password, password_again)
    if not username or len(username) > 80 or not username.replace(".", "").replace("_", "").isascii() \
            or not username.replace(".", "").replace("_", "").isalnum():
        errors["username"] = ["Tên đăng nhập chỉ gồm chữ không dấu, số, dấu chấm, gạch dưới (tối đa 80 ký tự)."]
    if _name_error(full_name):
        errors["full_name"] = [_name_error(full_name)]
    if errors:
        raise ValidationFailed("Thông tin tài khoản chưa hợp lệ.", errors)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"Tên đăng nhập {username} đã tồn tại.", field="username")
    user = create_user(session, username, full_name, password, now)
    record_event(session, action="account_created", at=now, actor_id=actor_id,
                 detail={"user_id": user.id, "username": username, "full_name": full_name})
    return user


def rename_account(session: Session, actor_id: int, user_id: int, full_name: str, now: datetime) -> User:
    access.check_admin(access.grants_of(session, actor_id))
    user, full_name = get_user(session, user_id), _name(full_name)
    if _name_error(full_name):
        raise ValidationFailed("Thông tin tài khoản chưa hợp lệ.", {"full_name": [_name_error(full_name)]})
    if full_name != user.full_name:
        record_event(session, action="account_renamed", at=now, actor_id=actor_id,
                     detail={"user_id": user.id, "before": user.full_name, "after": full_name})
        user.full_name = full_name
    session.flush()
    return user


def set_account_active(session: Session, actor_id: int, user_id: int, active: bool, now: datetime) -> User:
    """Lock an account (it can no longer sign in; its sessions and API tokens stop working) or unlock it."""
    access.check_admin(access.grants_of(session, actor_id))
    user = get_user(session, user_id)
    if not active and user.id == actor_id:
        raise ValidationFailed("Bạn không thể tự khóa tài khoản của mình.")
    if user.is_active == active:
        raise Conflict("Tài khoản đã được mở khóa." if active else "Tài khoản đã bị khóa.")
    user.is_active = active
    record_event(session, action="account_enabled" if active else "account_disabled", at=now, actor_id=actor_id,
                 detail={"user_id": user.id})
    session.flush()
    return user


def reset_password(session: Session, actor_id: int, user_id: int, password: str, password_again: str,
                   now: datetime) -> User:
    """The administrator sets a new password (typed twice); the old one and sessions signed in with it end."""
    access.check_admin(access.grants_of(session, actor_id))
    user = get_user(session, user_id)
    errors = _password_errors(password, password_again)
    if errors:
        raise ValidationFailed("Mật khẩu mới chưa hợp lệ.", errors)
    user.password_hash = hash_password(password)
    record_event(session, action="password_reset", at=now, actor_id=actor_id, detail={"user_id": user.id})
    session.flush()
    return user


def add_membership(session: Session, actor_id: int, user_id: int, role_id: int | None, unit_id: int | None,
                   now: datetime) -> Membership:
    """Give the user a role at a unit."""
    access.check_admin(access.grants_of(session, actor_id))
    user = get_user(session, user_id)
    role = session.get(Role, role_id) if role_id is not None else None
    unit = session.get(Unit, unit_id) if unit_id is not None else None
    errors = {}
    if role is None:
        errors["role_id"] = ["Chọn vai trò."]
    if unit is None:
        errors["unit_id"] = ["Chọn đơn vị."]
    if errors:
        raise ValidationFailed("Chưa chọn đủ vai trò và đơn vị.", errors)
    if session.scalar(select(Membership.id).where(Membership.user_id == user.id, Membership.role_id == role.id,
                                                  Membership.unit_id == unit.id)) is not None:
        raise Conflict(f"{user.full_name} đã có vai trò {role.name} tại {unit.name}.", field="role_id")
    membership = Membership(user_id=user.id, role_id=role.id, unit_id=unit.id)
    session.add(membership)
    session.flush()
    access.forget_grants(session)
    record_event(session, action="membership_added", at=now, actor_id=actor_id,
                 detail={"user_id": user.id, "role": role.key, "unit": unit.code})
    return membership


def remove_membership(session: Session, actor_id: int, user_id: int, membership_id: int, now: datetime) -> None:
    """Take a role at a unit away from the user; an administrator keeps their own administrator role."""
    access.check_admin(access.grants_of(session, actor_id))
    membership = session.get(Membership, membership_id)
    if membership is None or membership.user_id != user_id:
        get_user(session, user_id)
        raise Conflict("Vai trò này đã được gỡ khỏi tài khoản.")
    if user_id == actor_id and membership.role.key == access.ADMIN_ROLE:
        raise ValidationFailed("Bạn không thể tự gỡ vai trò quản trị của mình.")
    detail = {"user_id": user_id, "role": membership.role.key, "unit": membership.unit.code}
    session.delete(membership)
    session.flush()
    access.forget_grants(session)
    record_event(session, action="membership_removed", at=now, actor_id=actor_id, detail=detail)


def credential_stamp(user: User) -> str:
    """A short fingerprint of the account's password hash and session generation: a signed-in session keeps it,
    and a session whose stamp no longer matches (the password was reset, the user signed out) ends."""
    return hashlib.sha256(f"{user.password_hash}|{user.session_generation}".encode("utf-8")).hexdigest()[:16]


def end_sessions(session: Session, user_id: int) -> None:
    """Signing out: the account's session generation moves on, so no copy of any of its session cookies is
    accepted again (the server keeps no list of sessions; the stamp each cookie carries no longer matches)."""
    session.execute(update(User).where(User.id == user_id)
                    .values(session_generation=User.session_generation + 1)
                    .execution_options(synchronize_session=False))


def _password_errors(password: str, again: str) -> dict[str, list[str]]:
    password = password or ""
    if len(password) < MIN_PASSWORD:
        return {"password": ["Mật khẩu tối thiểu 8 ký tự."]}
    if len(password) > 200:
        return {"password": ["Mật khẩu tối đa 200 ký tự."]}
    if password != (again or ""):
        return {"password_again": ["Hai lần nhập mật khẩu không khớp."]}
    return {}


def _name(text: str) -> str:
    return " ".join((text or "").split())


def _name_error(name: str) -> str | None:
    if not name:
        return "Nhập họ và tên."
    return "Họ và tên tối đa 255 ký tự." if len(name) > 255 else None
