"""`flask notifications send`: deliver the outbox once, or keep delivering (a service);
`flask notifications digest`: the RT/RW heads' daily digest, and `flask notifications
remind-expiring`: the members' "cover ends soon" reminder (the loop runs both once a day)."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from portal import clock
from portal.extensions import db
from portal.notifications import digest, reminders
from portal.notifications.sender import send_pass

notifications_cli = AppGroup("notifications", help="The notification outbox.")


def _run_digest() -> str:
    """Run and commit the day's digest; what it did, in a line."""
    try:
        report = digest.run_digest()
        db.session.commit()
    except IntegrityError:  # another process ran the same day's digest meanwhile
        db.session.rollback()
        return "digest: another run of today's digest came first, nothing queued"
    if not report.ran:
        return f"digest {report.day.isoformat()}: already ran today, nothing queued"
    return f"digest {report.day.isoformat()}: {report.heads} heads with something new, {report.queued} queued"


def _run_reminders() -> tuple[bool, str]:
    """Queue and commit the members' cover-ending reminders: whether it ran, and what it did
    in a line. A database error is reported, not raised: the sender loop goes on sending and
    tries again on its next pass (queuing is idempotent, the event keys see to it)."""
    try:
        queued = reminders.remind_expiring()
        db.session.commit()
    except SQLAlchemyError as error:
        db.session.rollback()
        reminders.logger.warning("cover-ending reminders failed: %s", type(error).__name__)
        return False, f"reminders: failed ({type(error).__name__}), tried again on the next pass"
    return True, f"reminders: {queued} members told their cover ends soon"


@notifications_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep sending: a pass every --interval seconds (Ctrl+C stops); "
              "also queues the heads' daily digest and the members' cover-ending reminders once a day from NOTIFY_DIGEST_HOUR.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes with --loop.")
@click.option("--limit", type=int, default=None, help="Send at most this many messages per pass.")
def send_command(loop: bool, interval: float, limit: int | None) -> None:
    """Send the messages that are due (retries, quiet hours and the daily cap respected)."""
    reminded_on = None  # the Makassar day the loop last ran the reminders
    while True:
        if loop and digest.due():
            click.echo(_run_digest())
        if loop and reminders.due(reminded_on):
            ran, line = _run_reminders()
            click.echo(line)
            reminded_on = clock.today() if ran else reminded_on
        report = send_pass(limit=limit)
        db.session.remove()
        if report.total or not loop:
            click.echo(", ".join(f"{state}: {n}" for state, n in sorted(report.counts.items())) or "nothing due")
        if not loop:
            return
        time.sleep(interval)


@notifications_cli.command("digest")
def digest_command() -> None:
    """Queue today's digest to the RT/RW heads and agents with something new (once a Makassar day)."""
    click.echo(_run_digest())
    db.session.remove()


@notifications_cli.command("remind-expiring")
def remind_command() -> None:
    """Remind consenting members whose cover ends within NOTIFY_COVER_ENDING_DAYS (once each)."""
    ran, line = _run_reminders()
    db.session.remove()
    click.echo(line)
    if not ran:
        raise SystemExit(1)
