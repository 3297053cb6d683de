"""`flask seed scale`: a synthetic city for benchmarks."""


from sqlalchemy import func

from portal.extensions import db
from portal.models import EntryState, ListEntry, MemberList, Membership, Person, User
from portal.nik import parse_nik
from tests.factories import make_member


def count(model, *where):
    return db.session.scalar(db.select(func.count()).select_from(model).where(*where))


def test_seed_scale_builds_a_city_with_every_rw_and_every_state(app, runner):
    result = runner.invoke(args=["seed", "scale", "--persons", "400", "--pending", "200"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert count(Person) == 400
        assert count(Membership) == 400
        assert db.session.scalar(db.select(func.count(func.distinct(Membership.number)))) == 400
        assert count(MemberList) == 1_005
        assert count(User, User.username.like("rw-%")) == 1_005
        states = set(db.session.scalars(db.select(ListEntry.state).distinct()))
        assert states == set(EntryState)
        assert count(ListEntry) == 600
        for person in db.session.scalars(db.select(Person).limit(50)):
            assert parse_nik(person.nik).birth_date == person.birth_date
        # Sequences continue after the explicit ids: the ORM can still add rows.
        make_member("Setelah Skala")
        assert count(Person) == 401


def test_seed_scale_refuses_a_database_that_already_has_scale_data(app, runner):
    assert runner.invoke(args=["seed", "scale", "--persons", "5"]).exit_code == 0
    again = runner.invoke(args=["seed", "scale", "--persons", "5"])
    assert again.exit_code == 1
    assert "already present" in again.output
    with app.app_context():
        assert count(Person) == 5


def test_seed_scale_is_refused_in_production(app_factory):
    app = app_factory(PORTAL_ENV="production", SECRET_KEY="s" * 40)
    result = app.test_cli_runner().invoke(args=["seed", "scale", "--persons", "5"])
    assert result.exit_code == 2
    with app.app_context():
        assert count(Person) == 0
