"""`flask users ...`: create and disable accounts from the command line."""

from __future__ import annotations

import sys

import click
import pyotp
from flask import current_app
from flask.cli import AppGroup

from portal.accounts import mfa, services
from portal.extensions import db
from portal.models import PartnerFacility, Role, User

users_cli = AppGroup("users", help="Manage portal accounts.")


def _read_password() -> str:
    """Ask on a terminal (twice); otherwise read one line from stdin. Never from argv."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--kelurahan", "kelurahan_code", help="Kemendagri code of the kelurahan (10 digits).")
@click.option("--rw", type=int)
@click.option("--rt", type=int)
@click.option("--name", "full_name", default="")
@click.option("--facility", help="Exact name of the partner facility (hospital role only).")
def create_user(username, role, kelurahan_code, rw, rt, full_name, facility):
    """Create an account; the password is read from a prompt or stdin."""
    password = _read_password()
    facility_id = None
    if facility:
        facility_id = db.session.scalar(db.select(PartnerFacility.id).filter_by(name=facility))
        if facility_id is None:
            raise click.ClickException(f"No partner facility named {facility!r}.")
    try:
        user = services.create_user(
            username,
            Role(role),
            password,
            full_name=full_name,
            kelurahan_code=kelurahan_code,
            rw=rw,
            rt=rt,
            facility_id=facility_id,
        )
    except services.AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.username} ({user.role.value}) {user.area_label}".rstrip())


@users_cli.command("disable")
@click.argument("username")
def disable_user(username):
    """Disable an account; its open sessions end at their next request."""
    user = _user_or_fail(username)
    services.disable_user(user)
    db.session.commit()
    click.echo(f"Disabled {user.username}.")


def _user_or_fail(username: str) -> User:
    user = db.session.scalar(db.select(User).filter_by(username=username.strip().lower()))
    if user is None:
        raise click.ClickException(f"No account named {username}.")
    return user


@users_cli.command("reset-mfa")
@click.argument("username")
def reset_mfa(username):
    """Remove an account's second factor (lost phone); it enrols again at the next sign-in."""
    user = _user_or_fail(username)
    mfa.disable(user)
    db.session.commit()
    click.echo(f"Second factor of {user.username} removed; open sessions ended.")


@users_cli.command("totp-code")
@click.argument("username")
def totp_code(username):
    """Print the current sign-in code of a demo account (development only)."""
    if current_app.config["PORTAL_ENV"] == "production":
        click.echo("Refused: codes are never printed when PORTAL_ENV=production.", err=True)
        sys.exit(2)
    user = _user_or_fail(username)
    if not user.has_totp:
        raise click.ClickException(f"{user.username} has no second factor yet.")
    click.echo(pyotp.TOTP(user.totp_secret).now())
