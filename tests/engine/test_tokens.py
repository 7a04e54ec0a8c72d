"""API tokens: issued for good credentials only, kept as a hash, refused once expired, revoked or disabled."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import AuthenticationFailed
from engine.infra.db import unit_of_work
from engine.models import ApiToken, Event, User
from engine.org.tokens import hash_token, issue_token, revoke_token, user_id_for_token

PASSWORD = "mat-khau-thu-nghiem"


def test_issued_token_names_its_holder_until_it_expires(factory, org, now):
    with unit_of_work(factory) as session:
        token, expires_at = issue_token(session, "motcua.tinh", PASSWORD, now, hours=8)
    assert expires_at == now + timedelta(hours=8)
    with unit_of_work(factory) as session:
        assert user_id_for_token(session, token, now + timedelta(hours=7, minutes=59)) == org["motcua.tinh"]
        with pytest.raises(AuthenticationFailed):
            user_id_for_token(session, token, expires_at)


def test_only_the_hash_is_stored_and_the_issue_is_audited(factory, org, now):
    with unit_of_work(factory) as session:
        token, _ = issue_token(session, "motcua.tinh", PASSWORD, now, hours=1)
    with unit_of_work(factory) as session:
        stored = session.scalar(select(ApiToken))
        assert stored.token_hash == hash_token(token) and token not in stored.token_hash
        event = session.scalar(select(Event).where(Event.action == "api_token_issued"))
        assert event.actor_id == org["motcua.tinh"] and token not in str(event.detail)


def test_wrong_password_gets_no_token(factory, org, now):
    with unit_of_work(factory) as session, pytest.raises(AuthenticationFailed):
        issue_token(session, "motcua.tinh", "sai-mat-khau", now, hours=1)
    with unit_of_work(factory) as session:
        assert session.scalar(select(ApiToken)) is None


def test_revoked_token_and_disabled_account_are_refused(factory, org, now):
    with unit_of_work(factory) as session:
        first, _ = issue_token(session, "motcua.tinh", PASSWORD, now, hours=1)
        second, _ = issue_token(session, "chuyenvien.vpdk", PASSWORD, now, hours=1)
    with unit_of_work(factory) as session:
        revoke_token(session, first, now)
        session.get(User, org["chuyenvien.vpdk"]).is_active = False
    with unit_of_work(factory) as session:
        for token in (first, second, "khong-phai-token", ""):
            with pytest.raises(AuthenticationFailed):
                user_id_for_token(session, token, now)
