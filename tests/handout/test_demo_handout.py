"""The demo seeding gives rtrw1 printed cards to hand out and agent1 a Kinerja page with figures."""


from portal import clock
from portal.extensions import db
from portal.models import CardHandover, ProgrammeYear
from portal.seed.demo_handout import seed_handout_demo


def test_demo_has_cards_ready_for_rtrw1_some_handed_over_and_figures_for_agent1(app, runner, client, auth):
    result = runner.invoke(args=["seed", "demo", "--password", "demo-password-2026"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CardHandover)) == 2
        seed_handout_demo()  # idempotent
        db.session.commit()
        assert db.session.scalar(db.select(db.func.count()).select_from(CardHandover)) == 2
        assert db.session.get(ProgrammeYear, clock.today().year).incentive_per_approved > 0
    auth.login("rtrw1", "demo-password-2026")
    home = client.get("/beranda").get_data(as_text=True)
    assert '<strong>2</strong> Sudah diserahkan' in home
    assert "Kartu siap dibagikan" in home
    ready = client.get("/kartu/").get_data(as_text=True)
    assert ready.count('class="card member-card" id="card-') >= 5
    auth.logout()
    auth.login("agent1", "demo-password-2026")
    mine = client.get("/kinerja/").get_data(as_text=True)
    assert "Per bulan" in mine and "Belum ada usulan" not in mine
