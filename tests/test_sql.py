"""portal/sql.py: a batch of keys sent as one parameter finds what an IN list finds."""

from __future__ import annotations

from portal.extensions import db
from portal.models import Person
from portal.sql import one_of
from tests.factories import make_member, new_nik


def test_a_batch_of_niks_finds_exactly_the_persons_an_in_list_finds(app):
    with app.app_context():
        niks = [make_member(f"Orang {i}")[0].nik for i in range(3)]
        wanted = [niks[0], niks[2], new_nik(), "7371"]
        found = set(db.session.scalars(db.select(Person.nik).where(one_of(Person.nik, wanted))))
        assert found == {niks[0], niks[2]}
        assert found == set(db.session.scalars(db.select(Person.nik).where(Person.nik.in_(wanted))))


def test_keys_holding_the_separator_or_nothing_are_still_matched_as_they_are(app):
    with app.app_context():
        comma, _ = make_member("Andi, S.Pd.")
        plain, _ = make_member("Baso")
        names = set(db.session.scalars(db.select(Person.full_name).where(one_of(Person.full_name, ["Andi, S.Pd.", "", "Baso"]))))
        assert names == {comma.full_name, plain.full_name}
        assert db.session.scalars(db.select(Person.nik).where(one_of(Person.nik, []))).all() == []


def test_a_key_longer_than_the_column_never_matches_the_record_it_starts_with(app):
    with app.app_context():
        person, _ = make_member("Andi")
        assert db.session.scalars(db.select(Person.id).where(one_of(Person.nik, [person.nik + "1"]))).all() == []
        assert db.session.scalars(db.select(Person.id).where(one_of(Person.nik, [person.nik]))).all() == [person.id]
