"""API bearer tokens: issued against a username and password, only their SHA-256 kept, checked per request."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.org.accounts import authenticate
from engine.infra.audit import record_event
from engine.infra.db import fetch, Precompiled
from engine.infra.errors import AuthenticationFailed, Conflict, NotFound
from engine.models import ApiToken, User
from engine.org import access

INVALID = "Mã truy cập (token) không hợp lệ, đã hết hạn hoặc đã bị thu hồi."


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, username: str, password: str, now: datetime, hours: int) -> tuple[str, datetime]:
    """A new token for the account and its expiry; AuthenticationFailed on wrong credentials."""
    user = authenticate(session, username, password)
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(hours=hours)
    record = ApiToken(user_id=user.id, token_hash=hash_token(token), created_at=now, expires_at=expires_at)
    session.add(record)
    session.flush()
    record_event(session, action="api_token_issued", at=now, actor_id=user.id,
                 detail={"token_id": record.id, "expires_at": expires_at.isoformat()})
    return token, expires_at


# Every API call runs it: compiled once and run on the driver's cursor (infra.db.Precompiled), reading only what
# the check needs. Through the ORM, with the whole account as an entity, it cost more than the completion's own
# locking read.
_HOLDER = Precompiled(select(ApiToken.revoked_at, ApiToken.expires_at, User.id, User.is_active)
                      .join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == bindparam("token_hash")))


def user_id_for_token(session: Session, token: str, now: datetime) -> int:
    """The id of the active account holding this valid token; AuthenticationFailed for anything else."""
    if not token or len(token) > 200:
        raise AuthenticationFailed(INVALID)
    rows = fetch(session.connection(), _HOLDER, {"token_hash": hash_token(token)})
    if not rows:
        raise AuthenticationFailed(INVALID)
    revoked_at, expires_at, user_id, active = rows[0]
    if revoked_at is not None or expires_at <= now or not active:
        raise AuthenticationFailed(INVALID)
    return user_id


def revoke_token(session: Session, token: str, now: datetime) -> None:
    """Withdraw a token before it expires (signing out an integration); unknown tokens are refused."""
    record = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if record is None or record.revoked_at is not None:
        raise AuthenticationFailed(INVALID)
    record.revoked_at = now
    record_event(session, action="api_token_revoked", at=now, actor_id=record.user_id,
                 detail={"token_id": record.id})
    session.flush()


def token_state(record: ApiToken, now: datetime) -> str:
    if record.revoked_at is not None:
        return "revoked"
    return "valid" if record.expires_at > now else "expired"


def list_tokens(session: Session, actor_id: int, now: datetime, limit: int = 500) -> list[tuple[ApiToken, User, str]]:
    """The newest API tokens with their holder and state (valid, expired, revoked); never the token itself."""
    access.check_admin(access.grants_of(session, actor_id))
    rows = session.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                           .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()).limit(limit))
    return [(record, user, token_state(record, now)) for record, user in rows]


def withdraw_token(session: Session, actor_id: int, token_id: int, now: datetime) -> ApiToken:
    """An administrator revokes a token by its number (a leaked token, a retired integration)."""
    access.check_admin(access.grants_of(session, actor_id))
    record = session.get(ApiToken, token_id)
    if record is None:
        raise NotFound(f"Không có mã truy cập #{token_id}.")
    if record.revoked_at is not None:
        raise Conflict("Mã truy cập này đã bị thu hồi.")
    record.revoked_at = now
    record_event(session, action="api_token_revoked", at=now, actor_id=actor_id,
                 detail={"token_id": record.id, "user_id": record.user_id})
    session.flush()
    return record
