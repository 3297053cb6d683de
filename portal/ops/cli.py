"""`flask backup create|restore`: scripted backups an operator can rehearse."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db
from portal.ops.backup import BackupError, create_backup, restore_backup

backup_cli = AppGroup("backup", help="Back up and restore the database.")


def _url() -> str:
    return db.engine.url.render_as_string(hide_password=False)


@backup_cli.command("create")
@click.argument("target", required=False, type=click.Path(path_type=Path))
def create(target):
    """Back up the database to TARGET (default: instance/backups/portal-<time>.dump)."""
    if target is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        target = Path(current_app.instance_path) / "backups" / f"portal-{stamp}.dump"
    db.session.remove()
    try:
        create_backup(_url(), target)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {target} ({target.stat().st_size:,} bytes).")


@backup_cli.command("restore")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm that the current data is replaced.")
def restore(source, yes):
    """Replace the database's contents with the backup SOURCE."""
    if not yes:
        raise click.ClickException("Restoring replaces all current data: add --yes to confirm.")
    db.session.remove()
    for engine in db.engines.values():
        engine.dispose()
    try:
        restore_backup(_url(), source)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {source}.")
