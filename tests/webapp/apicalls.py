"""Calling the JSON API in tests: a bearer token per demo user and requests carrying it."""
from __future__ import annotations

from webpages import APPLICANT, PASSWORD

DOSSIER = {"procedure_code": "1.004227", "applicant": APPLICANT, "channel": "postal"}  # received at once


def token_for(client, username: str) -> str:
    response = client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def call(client, method: str, url: str, username: str | None = None, token: str | None = None, **kwargs):
    if username is not None:
        token = token_for(client, username)
    headers = {**kwargs.pop("headers", {}), **(bearer(token) if token else {})}
    return client.open(url, method=method, headers=headers, **kwargs)


def refusals(factory):
    from engine import refusals as latest
    from engine.infra.db import unit_of_work

    with unit_of_work(factory) as session:
        return [(event.actor_id, dict(event.detail)) for event in latest(session)]
