"""`flask seed demo` includes a DTSEN refresh: flagged members for staff, one flag closed."""

from portal.extensions import db
from portal.models import DesilHistory, DtsenFlag, DtsenFlagStatus, Membership, MembershipStatus


def test_the_demo_refresh_flags_a_few_members_and_closes_one_flag(app, runner, client, auth):
    result = runner.invoke(args=["seed", "demo", "--password", "demo-password-2026"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        flags = db.session.scalars(db.select(DtsenFlag)).all()
        statuses = sorted(f.status for f in flags)
        assert statuses.count(DtsenFlagStatus.OPEN) >= 4 and statuses.count(DtsenFlagStatus.CLEARED) == 1
        assert all(f.membership.status == MembershipStatus.ACTIVE for f in flags)  # cover goes on
        cleared = next(f for f in flags if f.status == DtsenFlagStatus.CLEARED)
        person_id = cleared.person_id
        history = db.session.scalars(db.select(DesilHistory).filter_by(nik=cleared.person.nik)).all()
        assert len(history) == 2
        assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) > 0
    auth.login("staff1", "demo-password-2026")
    page = client.get("/dtsen/tinjauan").get_data(as_text=True)
    assert "Putuskan semua" in page
    member = client.get(f"/anggota/{person_id}").get_data(as_text=True)
    assert "dtsen-demo-1.csv" in member and "dtsen-demo-2.csv" in member
