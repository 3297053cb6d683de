"""Demo data for the DTSEN refresh: two extracts a quarter apart. The first puts one
household above the cut-off; the second (the refresh) brings it back under (its flag is
closed automatically), puts three households above the cut-off and no longer lists one, so
Tinjauan DTSEN has flagged members and the member pages a desil history."""

from __future__ import annotations

from datetime import date, timedelta

from portal import clock
from portal.desil.services import DesilImport, save_extract
from portal.extensions import db
from portal.models import CategorySetting, DesilRecord, Membership, MembershipStatus, Person


def seed_dtsen_demo(today: date | None = None) -> None:
    """Import the two demo extracts through the import's own code (history, flags, audit)."""
    today = today or clock.today()
    targeted = {c for c in db.session.scalars(
        db.select(CategorySetting.category_code).where(CategorySetting.year == today.year, CategorySetting.requires_desil)
    )}
    niks = list(db.session.scalars(
        db.select(Person.nik)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.status == MembershipStatus.ACTIVE, Membership.year == today.year, Person.category_code.in_(targeted))
        .order_by(Person.id)
    ))
    # Households the demo already gave a desil (the renewal demo's one above the cut-off)
    # keep it in both extracts.
    held = dict(db.session.execute(db.select(DesilRecord.nik, DesilRecord.desil).where(DesilRecord.nik.in_(niks))).all())
    niks = [nik for nik in niks if nik not in held]
    if len(niks) < 6:
        return
    first, second = today - timedelta(days=110), today - timedelta(days=20)
    january = DesilImport(records={nik: (1 + n % 4, first) for n, nik in enumerate(niks)})
    january.records.update({nik: (desil, first) for nik, desil in held.items()})
    january.records[niks[0]] = (6, first)  # above the cut-off in the first extract ...
    save_extract(january, "dtsen-demo-1.csv")
    april = DesilImport(records={nik: (1 + (n + 1) % 4, second) for n, nik in enumerate(niks)})
    april.records.update({nik: (desil, second) for nik, desil in held.items()})
    april.records[niks[0]] = (3, second)  # ... back under in the refresh: flag closed
    for nik, desil in zip(niks[1:4], (5, 6, 8), strict=True):
        april.records[nik] = (desil, second)  # now above: "keluar dari sasaran"
    del april.records[niks[4]]  # no longer in DTSEN
    save_extract(april, "dtsen-demo-2.csv")
    db.session.flush()
