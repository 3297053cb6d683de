"""Demo data of the help feature: the help desk's contacts filled in, and consenting heads and agents."""

from __future__ import annotations

from portal.extensions import db
from portal.help.services import seed_settings
from portal.models import SiteSetting, User

# Made-up numbers for the demo only; an admin enters the office's real ones.
DEMO_SETTINGS = {"office_phone": "0411 3600 000", "office_whatsapp": "0811 4100 0000"}


def seed_demo_help() -> None:
    """Fill in the office's demo phone and WhatsApp; rtrw1 and agent1 agree to be shown."""
    seed_settings()
    for key, value in DEMO_SETTINGS.items():
        row = db.session.get(SiteSetting, key)
        if not row.value:
            row.value = value
    for user in db.session.scalars(db.select(User).where(User.username.in_(("rtrw1", "rtrw2", "agent1")))):
        user.phone_public = True
    db.session.flush()
