"""How many NIKs known outside their own area an RT/RW head or agent may learn about a day.

Adding a row with any NIK tells the head whether it can be proposed, which says something
about a stranger (covered, proposed elsewhere). The validator tells it discreetly; this
allowance bounds how many such NIKs one account can probe. The count lives in the rate
limiter's storage (Redis in production), so every web process shares it.
"""

from __future__ import annotations

import logging
from datetime import date

from flask import current_app

from portal import clock
from portal import audit
from portal.access import in_area
from portal.extensions import limiter
from portal.models import User

logger = logging.getLogger(__name__)

# The key carries the day; it outlives the day a little and then expires.
KEY_SECONDS = 2 * 24 * 3600


class ForeignNikAllowance:
    """Today's allowance of one account (portal.validation.LookupAllowance)."""

    def __init__(self, user: User, disclosed: set[str] = frozenset(), today: date | None = None):
        self.user = user
        self.disclosed = set(disclosed)
        self.limit = current_app.config["FOREIGN_NIK_LOOKUPS_PER_DAY"]
        day = (today or clock.today()).isoformat()
        self.key = f"{current_app.config['CACHE_KEY_PREFIX']}foreign-nik:{user.id}:{day}"
        self.used: int | None = None
        self._noted = False

    def at_home(self, kelurahan_code: str | None, rw: int | None, rt: int | None) -> bool:
        return in_area(self.user, kelurahan_code, rw, rt)

    def take(self, count: int) -> int:
        try:
            if count:
                # One atomic increment per batch: concurrent uploads cannot both spend the rest.
                self.used = limiter.storage.incr(self.key, KEY_SECONDS, amount=count)
                return max(0, min(count, self.limit - (self.used - count)))
            self.used = limiter.storage.get(self.key)
        except Exception:  # noqa: BLE001 - storage down: tell nothing rather than fail the upload
            logger.warning("foreign NIK allowance unavailable; answers withheld")
            self.used = self.limit
        return 0

    @property
    def exhausted(self) -> bool:
        return self.used is not None and self.used >= self.limit

    def note_withheld(self, count: int) -> None:
        if not self._noted:
            self._noted = True
            audit.record("list.lookups_limited", "user", self.user.id, actor=self.user, limit=self.limit, withheld=count)
