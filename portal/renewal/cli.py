"""`flask programme renew --from 2026 --to 2027 [--dry-run]`: turn the programme over into the next year."""

from __future__ import annotations

import getpass

import click
from flask.cli import AppGroup

from portal import clock
from portal.extensions import db
from portal.admin.services import copy_year
from portal.memberships.services import expire_memberships, expired_count
from portal.models import Category, ProgrammeYear
from portal.renewal import jobs, services

programme_cli = AppGroup("programme", help="The programme year: renewal into the next budget year, expiry of ended cover.")


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        return "cli"


def _rupiah(value: int) -> str:
    return f"Rp {value:,.0f}".replace(",", ".")


def print_summary(summary: dict) -> None:
    """The dry run's (or the run's) counts, as staff read them on the page."""
    outcomes = summary["outcomes"]
    click.echo(f"Members of {summary['from_year']} judged by the rules of {summary['to_year']}: {summary['members']}")
    for outcome, count in outcomes.items():
        click.echo(f"  {outcome}: {count}")
    if summary["reasons"]:
        click.echo("Reasons:")
        for reason, count in summary["reasons"].items():
            click.echo(f"  {reason}: {count}")
    flagged = summary.get("dtsen_flags_open")
    if flagged:
        click.echo(
            f"DTSEN review: {flagged['members']} member(s) flagged \"keluar dari sasaran\" still wait for a staff decision ("
            + ", ".join(f"{o}: {c}" for o, c in sorted(flagged["outcomes"].items())) + ")"
        )
    names = services.kecamatan_names()
    columns = list(outcomes)
    click.echo("Per kecamatan (" + " / ".join(columns) + "):")
    for code, counts in summary["kecamatan"].items():
        click.echo(f"  {names.get(code, code)}: " + " / ".join(str(counts.get(c, 0)) for c in columns))
    categories = dict(db.session.execute(db.select(Category.code, Category.name_en)).all())
    click.echo("Per category (" + " / ".join(columns) + "):")
    for code, counts in summary["categories"].items():
        click.echo(f"  {categories.get(code, code)}: " + " / ".join(str(counts.get(c, 0)) for c in columns))
    premiums, if_confirmed = summary["premiums"], summary["premiums_if_confirmed"]
    click.echo(
        f"Projected premiums {summary['to_year']}: {premiums['members']} new membership(s), "
        f"{_rupiah(premiums['monthly'])} a month, {_rupiah(premiums['total'])} for {premiums['months']} months"
    )
    click.echo(
        f"  if every member awaiting confirmation is confirmed: {if_confirmed['members']} membership(s), "
        f"{_rupiah(if_confirmed['total'])}"
    )
    figures = summary.get("budget")
    if figures and figures["ceiling"] is None:
        click.echo(f"Budget ceiling {summary['to_year']}: not set (unlimited)")
    elif figures:
        click.echo(
            f"Budget ceiling {summary['to_year']}: {_rupiah(figures['ceiling'])}, already committed "
            f"{_rupiah(figures['committed'])}, this run adds {_rupiah(figures['projected'])}, "
            f"remaining after it {_rupiah(figures['remaining'])}" + ("" if figures["fits"] else " - EXCEEDS THE CEILING: the real run refuses")
        )


@programme_cli.command("renew")
@click.option("--from", "from_year", type=int, help="The year whose members are renewed (default: this year).")
@click.option("--to", "to_year", type=int, help="The new budget year (default: the year after --from).")
@click.option("--dry-run", is_flag=True, help="Show what would happen; change nothing.")
@click.option("--copy-settings", is_flag=True, help="Create the new year's settings from --from's when missing.")
def renew(from_year: int | None, to_year: int | None, dry_run: bool, copy_settings: bool):
    """Renew every member of --from into --to by the new year's rules (idempotent)."""
    from_year = from_year or clock.today().year
    to_year = to_year or from_year + 1
    if copy_settings and db.session.get(ProgrammeYear, to_year) is None:
        copy_year(db.session.get(ProgrammeYear, from_year), to_year, None)
        db.session.commit()
        click.echo(f"Settings of {to_year} created from {from_year}'s; review them under Administrasi.")
    try:
        run = jobs.create_run(from_year, to_year, dry_run=dry_run, user=None)
    except services.RenewalError as refused:
        raise click.ClickException(str(refused)) from None
    db.session.commit()
    run = jobs.run_renewal(run.id, actor_name=_operator())
    if run.error == jobs.BUDGET_EXCEEDED:
        print_summary(run.summary)
        raise click.ClickException(services.budget_refusal(run.summary))
    if run.status.value != "done":
        raise click.ClickException(f"Renewal run {run.id} failed ({run.error}); nothing more was changed. Run it again.")
    click.echo(("DRY RUN, nothing changed. " if dry_run else "") + f"Run {run.id}.")
    print_summary(run.summary)
    if not dry_run:
        click.echo(f"Written: {run.total} member decision(s) (members decided by an earlier run are left as they are).")


@programme_cli.command("expire")
@click.option("--dry-run", is_flag=True, help="Only count the memberships that would be marked; change nothing.")
def expire(dry_run: bool):
    """Mark active memberships whose period ended before today (Makassar) as expired (idempotent)."""
    today = clock.today()
    if dry_run:
        count = expired_count(today)
        click.echo(f"DRY RUN, nothing changed. {count} active membership(s) ended before {today} would be marked expired.")
        return
    count = expire_memberships(today, actor_name=_operator())
    db.session.commit()
    click.echo(f"Marked {count} membership(s) ended before {today} as expired.")
