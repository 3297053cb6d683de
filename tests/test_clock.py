"""Days are Makassar days (WITA, UTC+8), whatever the server's clock says."""

from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine

from portal import clock
from portal.extensions import db
from tests.citizen.test_status import answer_of, post_status
from tests.factories import make_member


def test_today_is_the_makassar_date_not_the_servers():
    with time_machine.travel(datetime(2026, 12, 31, 16, 30, tzinfo=UTC), tick=False):
        assert clock.today() == date(2027, 1, 1)  # 00:30 WITA
    with time_machine.travel(datetime(2026, 12, 31, 15, 59, tzinfo=UTC), tick=False):
        assert clock.today() == date(2026, 12, 31)  # 23:59 WITA


def test_a_cover_ending_on_31_december_has_ended_when_the_new_year_starts_in_makassar(app, client):
    with app.app_context():
        person, membership = make_member("Siti Aminah")
        nik, ends_on = person.nik, membership.ends_on
        db.session.commit()
    assert (ends_on.month, ends_on.day) == (12, 31)
    last_evening = datetime(ends_on.year, 12, 31, 15, 30, tzinfo=UTC)  # 23:30 WITA
    new_years_morning = datetime(ends_on.year, 12, 31, 17, 30, tzinfo=UTC)  # 01:30 WITA on 1 January
    with time_machine.travel(last_evening, tick=False):
        assert "Terdaftar dan terlindungi" in answer_of(post_status(client, nik, "Siti Aminah").get_data(as_text=True))
    with time_machine.travel(new_years_morning, tick=False):
        page = answer_of(post_status(client, nik, "Siti Aminah", address="10.0.0.9").get_data(as_text=True))
    assert "Masa perlindungan sudah habis" in page
