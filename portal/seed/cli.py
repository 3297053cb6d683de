"""`flask seed ...`: load reference data and demo data."""

from __future__ import annotations

import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db
from portal.seed.demo import DEMO_ACCOUNTS, demo_card, demo_citizens, seed_demo
from portal.seed.demo_accounts import demo_activation
from portal.seed.reference import seed_reference
from portal.seed.scale import iter_counts, seed_scale

seed_cli = AppGroup("seed", help="Load reference and demo data.")


@seed_cli.command("reference")
@click.option("--year", type=int, help="Programme year to create settings for (default: this year).")
def reference(year):
    """Load regions, categories and the programme settings (idempotent)."""
    counts = seed_reference(year)
    db.session.commit()
    click.echo(
        f"Reference data: {counts['kecamatan']} kecamatan, {counts['kelurahan']} kelurahan, "
        f"{counts['categories']} categories."
    )


@seed_cli.command("demo")
@click.option("--password", help="Give every demo account this password (min. 12 characters).")
def demo(password):
    """Create demo accounts and data (refused in production)."""
    if current_app.config["PORTAL_ENV"] == "production":
        click.echo("Refused: demo data is never loaded when PORTAL_ENV=production.", err=True)
        sys.exit(2)
    seed_reference()
    passwords = seed_demo(password)
    activation = demo_activation()
    db.session.commit()
    click.echo("Demo accounts (username / role / area / password):")
    for account in DEMO_ACCOUNTS:
        area = f"{account.kelurahan_code} RW {account.rw:03d}" if account.kelurahan_code else (account.facility or "-")
        click.echo(f"  {account.username:8} {account.role.value:8} {area:25} {passwords[account.username]}")
    click.echo("admin, staff1, staff2 and rs1 sign in with a second factor: get the current code with")
    click.echo("  flask --app wsgi users totp-code staff1")
    click.echo("Made-up citizens to try Cek Status with (NIK / name / expected answer):")
    for nik, name, outcome in demo_citizens():
        click.echo(f"  {nik}  {name:32} {outcome}")
    card = demo_card()
    if card:
        click.echo("A member's card QR code, for rs1's card look-up at /rs/cek-pasien (paste it, or print")
        click.echo(f"the card at /cetak and scan it): {card}")
    if activation:
        click.echo("An RT/RW account made from a sheet, to activate at /aktivasi (username / one-time code):")
        click.echo(f"  {activation[0]}  {activation[1]}")


@seed_cli.command("scale")
@click.option("--persons", type=click.IntRange(min=1), required=True, help="Members to generate.")
@click.option("--pending", type=click.IntRange(min=0), help="Extra entries in other states (default persons/4).")
@click.option("--seed", "random_seed", type=int, default=7371, show_default=True)
def scale(persons, pending, random_seed):
    """Generate a city-scale synthetic dataset (for benchmarks; refused in production)."""
    if current_app.config["PORTAL_ENV"] == "production":
        click.echo("Refused: synthetic data is never loaded when PORTAL_ENV=production.", err=True)
        sys.exit(2)
    started = time.monotonic()
    seed_reference()
    try:
        counts = seed_scale(persons, pending, random_seed, progress=lambda m: click.echo(f"  {m}"))
    except RuntimeError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    for line in iter_counts(counts):
        click.echo(line)
    click.echo(f"done in {time.monotonic() - started:.1f} s")
