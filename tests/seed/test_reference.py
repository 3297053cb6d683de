"""`flask seed reference`: the city's regions, categories and this year's settings."""


from sqlalchemy import func

from portal import clock
from portal.extensions import db
from portal.models import Category, CategorySetting, Kecamatan, Kelurahan, ProgrammeYear


def counts():
    return (
        db.session.scalar(db.select(func.count()).select_from(Kecamatan)),
        db.session.scalar(db.select(func.count()).select_from(Kelurahan)),
    )


def test_seed_reference_loads_15_kecamatan_and_153_kelurahan_and_is_idempotent(app, runner):
    for _ in range(2):
        result = runner.invoke(args=["seed", "reference"])
        assert result.exit_code == 0, result.output
        assert "15 kecamatan, 153 kelurahan" in result.output
        with app.app_context():
            assert counts() == (15, 153)
    with app.app_context():
        assert db.session.get(Kelurahan, "7371101008").name == "Pa'baeng-Baeng"
        assert db.session.get(Kelurahan, "7371081001") is None  # a real gap in the codes
        assert db.session.get(Kecamatan, "737115").name == "Kepulauan Sangkarrang"


def test_seed_reference_creates_this_years_settings_with_the_domain_defaults(app, runner):
    runner.invoke(args=["seed", "reference"])
    with app.app_context():
        year = db.session.get(ProgrammeYear, clock.today().year)
        assert (year.min_age, year.max_age, year.desil_max) == (15, 65, 4)
        assert year.monthly_premium(1_000_000, jht=False) == 16_800
        assert year.monthly_premium(1_000_000, jht=True) == 36_800
        assert year.monthly_premium(None, jht=False) == 16_800  # the minimum band applies
        assert db.session.scalar(db.select(func.count()).select_from(Category)) == 6
        settings = {s.category_code: s for s in year.categories}
        assert settings["penyelenggara_pemilu"].target_population == 36_000
        assert settings["pekerja_rentan"].requires_desil is True


def test_seed_reference_never_overwrites_settings_an_admin_changed(app, runner):
    with app.app_context():
        year = db.session.get(ProgrammeYear, clock.today().year)
        year.max_age = 70
        db.session.get(CategorySetting, (year.year, "kader")).jht = True
        db.session.commit()
    runner.invoke(args=["seed", "reference"])
    with app.app_context():
        year = db.session.get(ProgrammeYear, clock.today().year)
        assert year.max_age == 70
        assert db.session.get(CategorySetting, (year.year, "kader")).jht is True
