"""`flask apikeys ...`: keys for the JSON API's clients (the city's super-app)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.api import services
from portal.extensions import db
from portal.models import ApiKey, PartnerFacility

apikeys_cli = AppGroup("apikeys", help="Manage keys of the JSON API.")


@apikeys_cli.command("create")
@click.option("--name", required=True, help="The client that will use the key, e.g. lontara-plus.")
@click.option("--facility", help="A partner facility's exact name: the key then answers only its cover look-up.")
def create_key(name, facility):
    """Create a key and print it once; only its hash is stored."""
    facility_id = None
    if facility:
        facility_id = db.session.scalar(db.select(PartnerFacility.id).filter_by(name=facility, active=True))
        if facility_id is None:
            raise click.ClickException(f"No active partner facility named {facility!r}.")
    try:
        api_key, key = services.create_api_key(name, facility_id)
    except services.ApiKeyError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created API key {api_key.name!r}. Store it now; it cannot be shown again:")
    click.echo(key)


@apikeys_cli.command("revoke")
@click.argument("name")
def revoke_key(name):
    """Revoke a key by name; requests with it get 401 at once."""
    try:
        api_key = services.revoke_api_key(name)
    except services.ApiKeyError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Revoked API key {api_key.name!r}.")


@apikeys_cli.command("list")
def list_keys():
    """List keys: name, first characters, created, revoked."""
    for api_key in db.session.scalars(db.select(ApiKey).order_by(ApiKey.name)):
        state = f"revoked {api_key.revoked_at:%Y-%m-%d}" if api_key.revoked_at else "active"
        click.echo(f"{api_key.name}\t{api_key.prefix}…\tcreated {api_key.created_at:%Y-%m-%d}\t{state}")
