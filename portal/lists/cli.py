"""`flask lists import FILE --by USERNAME`: staff bulk import of city-wide lists.

Exit 0 when the file was read (rows with errors are reported, not imported), 2 when the
file itself cannot be used. Everything is one transaction.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from portal.extensions import db
from portal.lists import services
from portal.models import Kelurahan, User
from portal.spreadsheets.reader import FileRejected
from portal.validation import Area

lists_cli = AppGroup("lists", help="Member lists: bulk import.")

FILE_UNUSABLE = 2


def _fail(message: str, code: str, as_json: bool):
    if as_json:
        click.echo(json.dumps({"error": code, "message": message}, ensure_ascii=False))
    click.echo(f"Error: {message}", err=True)
    sys.exit(FILE_UNUSABLE)


@lists_cli.command("import")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--by", "username", required=True, help="Staff account the import is recorded under.")
@click.option("--kelurahan", "kelurahan_code", help="Kemendagri code of the kelurahan every row must live in.")
@click.option("--rw", type=int, help="RW every row must live in (with --kelurahan).")
@click.option("--rt", type=int, help="Only this RT (with --kelurahan and --rw).")
@click.option("--dry-run", is_flag=True, help="Read and check only; add nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the counts and every issue.")
def import_list(path: Path, username, kelurahan_code, rw, rt, dry_run, as_json):
    """Read, check and add the accepted rows of FILE for staff review."""
    user = db.session.scalar(db.select(User).filter_by(username=username.strip().lower()))
    if user is None or not user.is_office or not user.active:
        raise click.UsageError(f"{username} is not an active staff or admin account.")
    if (kelurahan_code is None) != (rw is None):
        raise click.UsageError("--kelurahan and --rw go together.")
    if kelurahan_code and db.session.get(Kelurahan, kelurahan_code) is None:
        raise click.UsageError(f"Unknown kelurahan code {kelurahan_code}.")
    area = Area(kelurahan_code, rw, rt) if kelurahan_code else None
    try:
        data = path.read_bytes()
    except OSError as error:
        _fail(f"cannot read {path}: {error.strerror}", "file_unreadable", as_json)
    try:
        report = services.import_file(data, path.name, user, area=area, dry_run=dry_run)
    except FileRejected as error:
        db.session.rollback()
        _fail(error.message, error.code, as_json)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, default=str))
        return
    for issue in report.issues:
        click.echo(f"row {issue['row']} {issue['column']} {issue['severity']} {issue['code']}: {issue['message']}")
    verb = "would be added" if dry_run else "added"
    click.echo(f"{report.rows_read} rows read: {report.accepted} accepted ({verb} for review), {report.rejected} rejected.")
    if report.footer_rows:
        click.echo(f"{len(report.footer_rows)} rows under the table skipped as signatures/notes: {', '.join(map(str, report.footer_rows))}.")
