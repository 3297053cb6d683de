"""`flask desil import FILE`: load a DTSEN extract (CSV, XLSX or ODS: NIK, desil, source date)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from portal.desil import services
from portal.extensions import db
from portal.spreadsheets.reader import FileRejected

desil_cli = AppGroup("desil", help="DTSEN welfare deciles.")


@desil_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-bad", is_flag=True, help="Import the good rows even when some rows are bad.")
@click.option("--partial", is_flag=True, help="The extract covers part of the city: members absent from it are not flagged.")
def import_extract(path: Path, skip_bad: bool, partial: bool):
    """Import a DTSEN extract; bad rows are reported and, unless --skip-bad, nothing is saved."""
    try:
        result = services.read_extract(path.name, path.read_bytes())
    except FileRejected as rejected:
        raise click.ClickException(rejected.message) from None
    for row_number, why in result.bad_rows:
        click.echo(f"Row {row_number}: {why}", err=True)
    if result.bad_rows and not skip_bad:
        raise click.ClickException(
            f"{len(result.bad_rows)} bad row(s); nothing imported. Fix them, or use --skip-bad."
        )
    services.save_extract(result, path.name, full=not partial)
    db.session.commit()
    click.echo(
        f"Imported {len(result.records)} row(s): {result.inserted} new, {result.updated} updated, "
        f"{result.unchanged} unchanged; {len(result.bad_rows)} bad row(s) skipped."
    )
    click.echo(
        f"DTSEN review: {result.flagged} member(s) flagged \"keluar dari sasaran\" for staff to decide "
        f"(cover continues until they do); {result.cleared} open flag(s) closed: back under the cut-off."
    )
