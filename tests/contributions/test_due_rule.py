"""The ledger's SQL month filter (due_in_month, in date comparisons) agrees with the
due-month span rule (due_months) on periods that start and end on every kind of day."""

from __future__ import annotations

import random
from datetime import date, timedelta

from portal.contributions import ledger
from portal.contributions.ledger import Month
from portal.extensions import db
from portal.models import Membership
from tests.factories import make_member

YEAR = 2026


def test_the_sql_month_filter_agrees_with_the_due_month_rule(app):
    rng = random.Random(20)
    with app.app_context():
        periods = {}
        for n in range(40):
            _person, member = make_member(f"Peserta {n}", year=YEAR)
            starts_on = date(YEAR, 1, 1) + timedelta(days=rng.randrange(0, 200))
            # Ends on the day before the start, on the same day of a later month, at a month's end, or anywhere.
            ends_on = rng.choice([
                starts_on - timedelta(days=1),
                starts_on + timedelta(days=rng.randrange(0, 250)),
                Month(YEAR, rng.randrange(starts_on.month, 13)).last_day,
                date(YEAR, min(starts_on.month + rng.randrange(0, 6), 12), min(starts_on.day, 28)),
            ])
            member.starts_on, member.ends_on = starts_on, ends_on
            periods[member.id] = (starts_on, ends_on)
        db.session.commit()
        for number in range(1, 13):
            month = Month(YEAR, number)
            found = set(db.session.scalars(db.select(Membership.id).where(*ledger.due_in_month(month))))
            expected = {mid for mid, (s, e) in periods.items() if month in ledger.due_months(s, e)}
            assert found == expected, month
