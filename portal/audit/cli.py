"""`flask audit verify`: prove the audit trail has not been changed."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from portal.audit.chain import chain_key, seal_pending, verify_chain
from portal.extensions import db

audit_cli = AppGroup("audit", help="Check the audit trail.")


@audit_cli.command("seal")
def seal():
    """Seal audit events still waiting for their seal (run by a timer every minute)."""
    with db.engine.begin() as connection:
        sealed = seal_pending(connection, chain_key())
    click.echo(f"Sealed {sealed:,} events.")


@audit_cli.command("verify")
def verify():
    """Recompute the hash chain of the audit trail; exit 1 when any event was changed or removed."""
    with db.engine.begin() as connection:
        sealed_now = seal_pending(connection, chain_key())
    report = verify_chain()
    click.echo(f"Checked {report.checked:,} sealed events ({sealed_now:,} sealed just now).")
    for problem in report.problems:
        click.echo(f"BROKEN: {problem}")
    if not report.intact:
        sys.exit(1)
    click.echo(f"Chain intact. Head: {report.head}")
    click.echo("Record the head value outside the database to detect removal of the newest events.")
