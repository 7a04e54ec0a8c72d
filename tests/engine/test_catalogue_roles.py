"""Designers and administrators work on the catalogue: no citizen's slip, dossier action or lookup secret."""
from __future__ import annotations

import pytest

from engine.infra.db import unit_of_work
from engine.onestop.dossiers import reset_lookup_secret
from engine.infra.errors import Forbidden
from engine.onestop.intake_slips import get_intake_slip
from engine.onestop.lifecycle import record_supplement, request_supplement, request_withdrawal

from .test_intake import receive, slip

CATALOGUE_USERS = ["thietke.tinh", "quantri.tinh"]  # members of the centre, but not of its dossiers


@pytest.mark.parametrize("username", CATALOGUE_USERS)
def test_designer_and_administrator_cannot_read_the_centres_intake_slips(factory, org, now, username):
    slip_id = slip(factory, org, now)[0]
    with pytest.raises(Forbidden), unit_of_work(factory) as s:
        get_intake_slip(s, slip_id, org[username])


@pytest.mark.parametrize("username", CATALOGUE_USERS)
def test_designer_and_administrator_cannot_reset_the_lookup_secret(factory, org, now, username):
    receipt = receive(factory, org, now)
    with pytest.raises(Forbidden), unit_of_work(factory) as s:
        reset_lookup_secret(s, receipt.code, org[username], now)


def test_only_the_desk_of_the_receiving_unit_resets_the_lookup_secret(factory, org, now):
    receipt = receive(factory, org, now, receiving_unit_code="000.00.11.H99")
    with pytest.raises(Forbidden), unit_of_work(factory) as s:
        reset_lookup_secret(s, receipt.code, org["chuyenvien.hoabinh"], now)
    with unit_of_work(factory) as s:
        assert reset_lookup_secret(s, receipt.code, org["motcua.hoabinh"], now)


@pytest.mark.parametrize("username", CATALOGUE_USERS)
def test_designer_and_administrator_cannot_change_a_dossier(factory, org, now, username):
    receipt = receive(factory, org, now)
    with pytest.raises(Forbidden), unit_of_work(factory) as s:
        request_supplement(s, receipt.code, ["Bản gốc Giấy chứng nhận"], "Thiếu bản gốc", org[username], now)
    with pytest.raises(Forbidden), unit_of_work(factory) as s:
        request_withdrawal(s, receipt.code, org[username], now, "Xin rút")
    with unit_of_work(factory) as s:
        request_supplement(s, receipt.code, ["Bản gốc Giấy chứng nhận"], "Thiếu bản gốc", org["motcua.tinh"], now)
    with pytest.raises(Forbidden), unit_of_work(factory) as s:
        record_supplement(s, receipt.code, org[username], now)
