"""The help page (/bantuan) and the finder of an area's RT/RW heads; the settings every answer shows."""

from __future__ import annotations

from flask import Blueprint, current_app, request

from portal.citizen.services import area_contacts
from portal.extensions import limiter
from portal.facilities.services import active_facilities
from portal.help import services
from portal.help.forms import AreaContactsForm
from portal.hx import render

bp = Blueprint("help", __name__)


@bp.app_context_processor
def _help_context() -> dict:
    # A function, so pages that show no help block never read the settings.
    return {"help_settings": services.help_settings, "help_block": services.help_block}


@bp.app_template_filter("tel_url")
def _tel_url(phone: str | None) -> str:
    return services.tel_url(phone)


@bp.app_template_filter("wa_url")
def _wa_url(phone: str | None) -> str | None:
    return services.whatsapp_url(phone)


@bp.get("/bantuan")
def page():
    """Help for citizens: the cover, after an accident, heirs, cards, corrections, privacy."""
    return render(
        "help/page.html",
        info=services.help_settings(),
        partner_facilities=active_facilities(),
        retention_rejected=current_app.config["RETENTION_REJECTED_MONTHS"],
        retention_ended=current_app.config["RETENTION_ENDED_MONTHS"],
        retention_deleted=current_app.config["RETENTION_DELETED_MONTHS"],
        retention_cases=current_app.config["RETENTION_CASE_MONTHS"],
    )


@bp.get("/bantuan/ketua-rt-rw")
@limiter.limit(lambda: current_app.config["CONTACTS_LIMIT_PER_ADDRESS"])
def find_contacts():
    """The RT/RW heads and Agen Perisai of a kelurahan and RW, named if they agreed to be shown."""
    form = AreaContactsForm(request.args)
    contacts = area = None
    if "kelurahan" in request.args and form.validate():
        contacts = area_contacts(form.kelurahan.data, form.rw.data)
        area = services.area_name(form.kelurahan.data, form.rw.data)
    return render("help/contacts.html", block="answer", form=form, contacts=contacts, area=area)
