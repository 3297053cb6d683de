"""`flask notifications send`: deliver the outbox once, or keep delivering (a service)."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from portal.extensions import db
from portal.notifications.sender import send_pass

notifications_cli = AppGroup("notifications", help="The notification outbox.")


@notifications_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep sending: a pass every --interval seconds (Ctrl+C stops).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes with --loop.")
@click.option("--limit", type=int, default=None, help="Send at most this many messages per pass.")
def send_command(loop: bool, interval: float, limit: int | None) -> None:
    """Send the messages that are due (retries, quiet hours and the daily cap respected)."""
    while True:
        report = send_pass(limit=limit)
        db.session.remove()
        if report.total or not loop:
            click.echo(", ".join(f"{state}: {n}" for state, n in sorted(report.counts.items())) or "nothing due")
        if not loop:
            return
        time.sleep(interval)
