"""The request desk's figures: on the staff dashboard by kind and state, overdue, median time to
answer and per kecamatan; on /statistik the city's totals by kind, answered and answered on time."""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.models import RequestKind, RequestState, Role
from portal.models.base import utcnow
from portal.public_requests import handling
from tests.factories import PABAENG, make_user
from tests.public_requests.staff_helpers import receive
from tests.reports.test_cases import _row, _section, _stats


def _requests(app):
    """Mariso: a card request answered on time, a personal-data request not acknowledged in
    time; Tamalate: an objection answered late; and an "other" request without an area."""
    with app.app_context():
        staff = make_user("staff1", Role.STAFF)
        now = utcnow()
        card = receive(RequestKind.CARD_MISSING, now=now - timedelta(hours=10))
        handling.answer(card, "Kartu Anda dicetak minggu ini.", staff, now=now - timedelta(hours=5))
        objection = receive(RequestKind.OBJECTION, now=now - timedelta(hours=3), kelurahan_code=PABAENG, rw=5)
        objection.due_at = now - timedelta(hours=2)
        handling.answer(objection, "Sudah kami periksa.", staff, now=now - timedelta(hours=1))
        personal = receive(RequestKind.PERSONAL_DATA, now=now - timedelta(hours=2))
        personal.acknowledge_due_at = now - timedelta(minutes=5)
        receive(RequestKind.OTHER, now=now - timedelta(hours=1), kelurahan_code=None, rw=None, rt=None)
        db.session.commit()
        return now


def test_the_figures_count_kind_state_overdue_median_and_on_time_per_kecamatan(app):
    now = _requests(app)
    with app.app_context():
        figures = handling.request_figures(now.year, now)
        assert figures.received_total == 4 and figures.overdue == 1
        assert figures.answered_of() == 2 and figures.on_time_of() == 1
        assert figures.median_days_to_answer == round(3.5 / 24, 1)
        assert figures.count(RequestKind.CARD_MISSING, RequestState.ANSWERED) == 1
        assert figures.count(RequestKind.PERSONAL_DATA, RequestState.NEW) == 1
        assert figures.received_of(kecamatan_code="737101") == 2 and figures.overdue_by_kecamatan == {"737101": 1}
        assert figures.on_time_of(RequestKind.OBJECTION) == 0 and figures.answered_of(RequestKind.OBJECTION) == 1
        assert [name for _, name in figures.kecamatan_rows] == ["Mariso", "Tamalate", "Tanpa wilayah"]
        tamalate = handling.request_figures(now.year, now, kecamatan_code="737110")
        assert tamalate.received_total == 1 and tamalate.overdue == 0 and tamalate.on_time_of() == 0
        assert handling.request_figures(now.year - 1, now).received_total == 0


def test_the_dashboard_shows_the_requests_section(app, client, auth):
    now = _requests(app)
    auth.login("staff1")
    section = _section(client.get(f"/laporan/?year={now.year}").get_data(as_text=True), "requests")
    stats = _stats(section)
    assert stats["Permintaan yang diterima"] == "4" and stats["Terlambat, sekarang"] == "1"
    assert stats["Sudah dijawab"] == "2" and stats["Dijawab tepat waktu"] == "1"
    assert _row(section, "Mariso") == ["2", "1", "1", "1"]
    assert _row(section, "Tamalate") == ["1", "1", "0", "0"]
    assert _row(section, "Kartu saya belum sampai") == ["0", "0", "0", "0", "1", "0", "1"]


def test_statistik_shows_the_citys_totals_by_kind_to_everyone(app, client):
    now = _requests(app)
    section = _section(client.get(f"/statistik?year={now.year}").get_data(as_text=True), "stats-requests")
    assert _row(section, "Kartu saya belum sampai") == ["1", "1", "1"]
    assert _row(section, "Seseorang yang terlindungi seharusnya tidak (sanggahan)") == ["1", "1", "0"]
    assert _row(section, "Semua jenis") == ["4", "2", "1"]
    assert "Mariso" not in section
