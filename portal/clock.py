"""The portal's calendar: days begin and end in Makassar (WITA, UTC+8), not on the server's clock.

Servers usually run on UTC, where a Makassar day starts eight hours late: on 1 January at
07:00 WITA `date.today()` would still say 31 December (a cover that ended yesterday still
active, an age on 1 January not reached yet). Every "today" in the portal comes from here.
Moments stored in the database stay in UTC (`portal.models.base.utcnow`).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

CITY_TIMEZONE = ZoneInfo("Asia/Makassar")


def today() -> date:
    """Today's date in Makassar."""
    return datetime.now(CITY_TIMEZONE).date()


def now() -> datetime:
    """The current moment in Makassar time (aware)."""
    return datetime.now(CITY_TIMEZONE)
