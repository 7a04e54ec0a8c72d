"""Units, users, roles and memberships; password hashing with argon2."""
from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.infra.errors import AuthenticationFailed, Conflict, NotFound, ValidationFailed
from engine.models import Delegation, Membership, Role, Unit, User
from engine.org.access import NO_DOSSIER_ROLES, forget_grants

_HASHER = PasswordHasher()
# A real hash to verify against when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = _HASHER.hash("motcua-no-such-user")


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValidationFailed("Mật khẩu phải có ít nhất 8 ký tự.", {"password": ["Tối thiểu 8 ký tự."]})
    return _HASHER.hash(password)


def authenticate(session: Session, username: str, password: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    try:
        _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise AuthenticationFailed("Tên đăng nhập hoặc mật khẩu không đúng.") from None
    if user is None or not user.is_active:
        raise AuthenticationFailed("Tên đăng nhập hoặc mật khẩu không đúng.")
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    return user


def ensure_unit(session: Session, code: str, name: str, level: str = "xa", parent_code: str | None = None) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    parent = get_unit(session, parent_code) if parent_code else None
    if unit is None:
        unit = Unit(code=code, name=name, level=level, parent_id=parent.id if parent else None)
        session.add(unit)
        session.flush()
    return unit


def ensure_role(session: Session, key: str, name: str) -> Role:
    role = session.scalar(select(Role).where(Role.key == key))
    if role is None:
        role = Role(key=key, name=name)
        session.add(role)
        session.flush()
    return role


def get_unit(session: Session, code: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise NotFound(f"Không có đơn vị mã {code}.")
    return unit


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"Không có người dùng #{user_id}.")
    return user


def user_by_username(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"Không có người dùng {username}.")
    return user


def create_user(session: Session, username: str, full_name: str, password: str, now: datetime) -> User:
    if not username or not username.replace(".", "").replace("_", "").isalnum():
        raise ValidationFailed("Tên đăng nhập không hợp lệ.", {"username": ["Chỉ dùng chữ, số, dấu chấm, gạch dưới."]})
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"Tên đăng nhập {username} đã tồn tại.")
    user = User(username=username, full_name=full_name, password_hash=hash_password(password),
                is_active=True, created_at=now)
    session.add(user)
    session.flush()
    return user


def grant_role(session: Session, user: User, role_key: str, unit_code: str) -> Membership:
    role = session.scalar(select(Role).where(Role.key == role_key))
    if role is None:
        raise NotFound(f"Không có vai trò {role_key}.")
    unit = get_unit(session, unit_code)
    existing = session.scalar(select(Membership).where(
        Membership.user_id == user.id, Membership.role_id == role.id, Membership.unit_id == unit.id))
    if existing:
        return existing
    membership = Membership(user_id=user.id, role_id=role.id, unit_id=unit.id)
    session.add(membership)
    session.flush()
    forget_grants(session)
    return membership


def role_holders(session: Session, role_key: str, unit_id: int) -> list[User]:
    """Active users holding the role at the unit, by name."""
    return list(session.scalars(
        select(User).join(Membership, Membership.user_id == User.id).join(Role, Membership.role_id == Role.id)
        .where(Role.key == role_key, Membership.unit_id == unit_id, User.is_active.is_(True))
        .distinct().order_by(User.full_name, User.id)))


def role_delegates(session: Session, role_key: str, unit_id: int, procedure_id: int | None,
                   now: datetime) -> list[User]:
    """Active users acting in the role at the unit now under a valid delegation (for the procedure or any), by name."""
    return list(session.scalars(
        select(User).join(Delegation, Delegation.to_user_id == User.id)
        .where(Delegation.role_key == role_key, Delegation.unit_id == unit_id, Delegation.revoked_at.is_(None),
               Delegation.valid_from <= now, Delegation.valid_to > now, User.is_active.is_(True),
               (Delegation.procedure_id.is_(None) | (Delegation.procedure_id == procedure_id)))
        .distinct().order_by(User.full_name, User.id)))


def unit_officials(session: Session, unit_id: int) -> list[User]:
    """Active users working dossiers at the unit (any role but designer and administrator), by name."""
    return list(session.scalars(
        select(User).join(Membership, Membership.user_id == User.id).join(Role, Membership.role_id == Role.id)
        .where(Membership.unit_id == unit_id, Role.key.not_in(sorted(NO_DOSSIER_ROLES)), User.is_active.is_(True))
        .distinct().order_by(User.full_name, User.id)))
