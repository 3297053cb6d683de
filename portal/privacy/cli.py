"""`flask privacy report` (a person's data and its access history) and `flask privacy purge`."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal import clock
from portal.extensions import db
from portal.privacy import retention, services
from portal.privacy.forms import NIK_PATTERN

privacy_cli = AppGroup("privacy", help="Data-subject reports and retention of personal data (UU PDP).")


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@privacy_cli.command("report")
@click.option("--nik", prompt="NIK", hide_input=True, help="The person's 16-digit NIK (asked for, hidden, when left out).")
@click.option("--format", "fmt", type=click.Choice(["json", "pdf"]), default="json", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (standard output when left out; required for pdf).")
def report(nik: str, fmt: str, output: Path | None):
    """Everything the portal holds about one NIK and who viewed, changed, exported or printed it."""
    nik = nik.strip()
    if not NIK_PATTERN.fullmatch(nik):
        raise click.UsageError("NIK must be 16 digits.")
    if fmt == "pdf" and output is None:
        raise click.UsageError("--format pdf needs --output FILE.")
    subject = services.produce_report(nik, fmt, channel=_operator())
    db.session.commit()
    content = services.report_pdf(subject) if fmt == "pdf" else services.report_json(subject)
    if output is None:
        click.echo(content.decode())
    else:
        output.write_bytes(content)
        click.echo(f"Written {output} ({len(content):,} bytes).", err=True)
    if not subject.found:
        click.echo("Nothing is held about this NIK.", err=True)


@privacy_cli.command("purge")
@click.option("--apply", "apply_", is_flag=True, help="Anonymise for real (without it: a dry run that only reports).")
def purge(apply_: bool):
    """Anonymise personal data past retention (RETENTION_REJECTED_MONTHS, RETENTION_ENDED_MONTHS)
    with old bills' lines and files and old institutional imports' files, remove rows their
    proposer deleted (RETENTION_DELETED_MONTHS) and delete closed cases (RETENTION_CASE_MONTHS)."""
    rejected_months = current_app.config["RETENTION_REJECTED_MONTHS"]
    ended_months = current_app.config["RETENTION_ENDED_MONTHS"]
    deleted_months = current_app.config["RETENTION_DELETED_MONTHS"]
    case_months = current_app.config["RETENTION_CASE_MONTHS"]
    if min(rejected_months, ended_months, deleted_months, case_months) < 1:
        raise click.UsageError("Retention periods must be at least one month.")
    plan = retention.plan_purge(clock.today(), rejected_months, ended_months, deleted_months, case_months)
    click.echo(
        f"Rejected entries decided before {plan.rejected_before} ({rejected_months} months): "
        f"{len(plan.rejected_entry_ids):,} to anonymise."
    )
    click.echo(
        f"Persons whose every membership ended before {plan.ended_before} ({ended_months} months), "
        f"with no open entry: {len(plan.person_ids):,} to anonymise, with {len(plan.person_entry_ids):,} approved entries."
    )
    click.echo(
        f"Rows deleted by their proposer before {plan.deleted_before} ({deleted_months} months) on lists never sent: "
        f"{len(plan.deleted_entry_ids):,} to remove."
    )
    click.echo(f"Cases closed before {plan.cases_before} ({case_months} months): {len(plan.case_ids):,} to delete with their documents.")
    click.echo(
        f"BPJS bills of months before {plan.ended_before:%Y-%m} ({ended_months} months): {len(plan.bill_ids):,} "
        "to lose their file and their lines' names, NIKs and KPJs."
    )
    click.echo(
        f"Institutional imports uploaded before {plan.rejected_before} ({rejected_months} months): "
        f"{len(plan.import_ids):,} to lose their file, rejected rows and example rows."
    )
    for label, ids in (
        ("entry ids", plan.rejected_entry_ids), ("person ids", plan.person_ids), ("deleted row ids", plan.deleted_entry_ids),
        ("case ids", plan.case_ids), ("bill ids", plan.bill_ids), ("import ids", plan.import_ids),
    ):
        if ids:
            shown = ", ".join(map(str, ids[:20])) + (" ..." if len(ids) > 20 else "")
            click.echo(f"  {label}: {shown}")
    if not apply_:
        click.echo("Dry run: nothing changed. Run with --apply to anonymise.")
        return
    event_id = retention.apply_purge(
        plan, actor_name=_operator(), rejected_months=rejected_months, ended_months=ended_months, deleted_months=deleted_months
    )
    db.session.commit()
    click.echo(f"Anonymised and removed. Audit event {event_id} records the run.")
    batch_pdfs, uploads = retention.remove_expired_files()
    db.session.commit()
    click.echo(f"Removed {uploads} uploaded list(s) abandoned before their columns were mapped.")
    click.echo(f"Removed {batch_pdfs} batch PDF(s) older than {current_app.config['PRINT_FILE_RETENTION_DAYS']} days.")
    sys.stdout.flush()
