"""The demo shows the contributions: paid months, one month in arrears, months not paid yet."""

from __future__ import annotations

from datetime import date

from portal import clock
from portal.contributions.months import arrears, year_figures
from portal.extensions import db
from portal.models import AuditEvent, Payment
from portal.seed.demo import seed_demo


def test_the_demo_pays_the_year_up_to_one_month_in_arrears(app, monkeypatch):
    today = date(clock.today().year, 12, 3)
    monkeypatch.setattr(clock, "today", lambda: today)
    with app.test_request_context():
        seed_demo(password="demo-password-2026", today=today)
        db.session.commit()
        # The bills demo pays its reconciled month on its own; these are the quarterly ones.
        payments = db.session.scalars(db.select(Payment).where(Payment.order_number.not_like("DEMO-SP2D-%"))).all()
        assert len(payments) == 3  # January to August, a quarter at a time
        late = arrears(today)
        assert [m.month.month for m in late.months] == [9] and not late.at_risk
        figures = year_figures(today.year)
        assert all(m.paid and not m.outstanding for m in figures[:8])
        assert figures[9].outstanding and figures[9].state(today) == "unpaid"  # October: not 60 days yet
        assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).filter_by(action="payment.record")) == 3
