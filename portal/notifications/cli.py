"""`flask notifications send`: deliver the outbox once, or keep delivering (a service);
`flask notifications digest`: the RT/RW heads' daily digest, and `flask notifications
remind-expiring`: the members' "cover ends soon" reminder (the loop runs both once a day)."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError

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


def _run_reminders() -> str:
    """Queue and commit the members' cover-ending reminders; what it did, in a line."""
    try:
        queued = reminders.remind_expiring()
        db.session.commit()
    except IntegrityError:  # a concurrent run queued the same reminders first
        db.session.rollback()
        return "reminders: another run came first, nothing queued"
    return f"reminders: {queued} members told their cover ends soon"


@notifications_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep sending: a pass every --interval seconds (Ctrl+C stops); "
              "also queues the heads' daily digest and the members' cover-ending reminders once a day from NOTIFY_DIGEST_HOUR.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes with --loop.")
@click.option("--limit", type=int, default=None, help="Send at most this many messages per pass.")
def send_command(loop: bool, interval: float, limit: int | None) -> None:
    """Send the messages that are due (retries, quiet hours and the daily cap respected)."""
    while True:
        if loop and digest.due():
            click.echo(_run_digest())
            click.echo(_run_reminders())
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
    click.echo(_run_reminders())
    db.session.remove()
