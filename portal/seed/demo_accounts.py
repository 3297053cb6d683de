"""Demo data of accounts in bulk: a batch of RT/RW heads and agents made from a sheet, some activated."""

from __future__ import annotations

from portal.accounts import activation
from portal.accounts.passwords import hash_password
from portal.admin import bulk
from portal.extensions import db
from portal.models import AccountBatch, User
from portal.models.base import utcnow

LETTE, PABAENG = "7371011004", "7371101008"
# Made-up people: (name, role, kelurahan, RW, RT).
DEMO_SHEET = (
    ("Muh. Arifin Dg. Tata", "Ketua RW", LETTE, 1, None),
    ("Hj. St. Rahmatia", "Ketua RW", LETTE, 3, None),
    ("Abd. Rahman", "Ketua RW", LETTE, 5, None),
    ("Nurhayati", "Ketua RT", LETTE, 3, 1),
    ("Baharuddin", "Ketua RT", LETTE, 3, 2),
    ("A. Sulfikar", "Ketua RT", LETTE, 3, 3),
    ("Syarifah Aini", "Agen Perisai", LETTE, 1, None),
    ("Ismail Dg. Nompo", "Agen Perisai", LETTE, 3, None),
    ("Rosmini", "Ketua RW", PABAENG, 1, None),
    ("Jumardi", "Ketua RW", PABAENG, 2, None),
    ("Sitti Nurbaya", "Ketua RW", PABAENG, 3, None),
    ("Hasanuddin", "Agen Perisai", PABAENG, 2, None),
)
ACTIVATED = 5  # the first accounts of the batch, by username, have set their password


def _sheet_csv() -> bytes:
    lines = ["Nama;Peran;Kelurahan;RW;RT;No HP;Setuju Dihubungi"]
    for n, (name, role, kelurahan, rw, rt) in enumerate(DEMO_SHEET):
        # Every other person agreed to the portal's messages on their number.
        lines.append(f"{name};{role};{kelurahan};{rw};{rt or ''};0812{n:08d};{'Ya' if n % 2 == 0 else 'Tidak'}")
    return "\n".join(lines).encode()


def seed_accounts_demo(password: str) -> AccountBatch | None:
    """The demo batch, once: created through the same check as an upload, some accounts activated."""
    if db.session.scalar(db.select(AccountBatch.id).limit(1)) is not None:
        return None
    admin = db.session.scalar(db.select(User).filter_by(username="admin"))
    check = bulk.check_sheet(_sheet_csv(), "demo-akun.csv")
    if admin is None or not check.ok:
        return None
    batch = bulk.create_accounts(check, admin, "demo-akun.csv")
    db.session.flush()
    for user in sorted(batch.users, key=lambda u: u.username)[:ACTIVATED]:
        user.password_hash = hash_password(password)
        user.activated_at = utcnow()
    return batch


def demo_activation() -> tuple[str, str] | None:
    """A fresh code for one demo account awaiting activation, to try /aktivasi with (username, code)."""
    user = db.session.scalar(
        db.select(User).where(User.account_batch_id.is_not(None), User.activated_at.is_(None)).order_by(User.username).limit(1)
    )
    if user is None:
        return None
    codes = activation.issue_codes([user])
    return user.username, codes[user.id]
