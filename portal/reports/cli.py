"""`flask reports refresh`: recount the report figures, for a timer every few minutes."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal import clock
from portal.extensions import db
from portal.memberships.services import expire_memberships
from portal.reports.services import default_year, refresh_year_counts, report_years

reports_cli = AppGroup("reports", help="Coverage reports.")


@reports_cli.command("refresh")
@click.option("--year", type=int, help="The year to recount (default: the year reports open on).")
def refresh(year: int | None):
    """Recount a year's figures into the cache, so no page waits for the count.

    Run it more often than REPORTS_CACHE_SECONDS / 2 (e.g. every 2 minutes) with a shared
    cache (REDIS_URL); the pages say when their figures were counted. It first marks cover
    that ran out as expired (`flask programme expire`).
    """
    # The timer that keeps the figures fresh also keeps memberships' states true: cover that
    # ran out yesterday reads "expired" minutes after midnight (a no-op on other runs).
    expired = expire_memberships(clock.today(), actor_name="cli:reports-refresh")
    db.session.commit()
    if expired:
        click.echo(f"Marked {expired} membership(s) whose cover ran out as expired.")
    year = year or default_year(report_years())
    counts = refresh_year_counts(year)
    click.echo(f"Report figures of {year} counted at {counts.computed_at:%Y-%m-%d %H:%M:%S} UTC.")
