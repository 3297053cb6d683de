"""The member registry for staff: search, a member's whole history, corrections, ending cover."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import office_required
from portal.cases import services as cases
from portal.contributions.owed_back import owed_back_of
from portal.desil import review
from portal.edge import parse_id
from portal.extensions import db
from portal.notifications import services as notification_services
from portal.hx import render
from portal.memberships.services import premium_months_by_year
from portal.forms import category_choices, form_errors, kelurahan_choices, show_consent_for
from portal.models import Membership, Person
from portal.registry import services
from portal.registry.forms import STATUS_CHOICES, CorrectionForm, EndMembershipForm, MemberSearchForm

bp = Blueprint("registry", __name__, url_prefix="/anggota")



@bp.route("/", methods=["GET", "POST"])
@office_required
def index():
    """Find members by exact NIK or name (POST, never in a URL), or browse by filters (GET)."""
    form = MemberSearchForm(request.form if request.method == "POST" else request.args, meta={"csrf": request.method == "POST"})
    form.kelurahan.choices = kelurahan_choices(_("Semua"))
    form.kategori.choices = category_choices(_("Semua"))
    people, has_more = [], False
    if form.validate():
        search = services.MemberSearch(
            nik=form.nik.data if request.method == "POST" else None,
            name=form.name.data if request.method == "POST" else None,
            kelurahan=form.kelurahan.data or None,
            category=form.kategori.data or None,
            status=form.status.data or None,
        )
        after = parse_id(form.setelah.data)
        people, has_more = services.search_members(search, after)
        if search.nik or search.name:
            services.note_search(people, current_user)
            db.session.commit()
    # The page never echoes a NIK back (an exact NIK finds one person: no next page needed).
    form.nik.data = form.nik.raw_data = None
    return render("registry/index.html", form=form, people=people, has_more=has_more, searched=request.method == "POST", status_labels=dict(STATUS_CHOICES))


def _person_or_404(person_id: int) -> Person:
    return db.session.get(Person, person_id) or abort(404)


@bp.get("/<int:person_id>")
@office_required
def member(person_id: int):
    """A member's page: data, desil, entries, decisions, memberships, certificates, audit trail."""
    person = _person_or_404(person_id)
    services.note_view(person, current_user)
    db.session.commit()
    return render(
        "registry/member.html",
        person=person,
        history=services.member_history(person),
        household=services.household_members(person.kk_number, person.id),
        end_form=EndMembershipForm(),
        end_reasons=services.END_REASONS,
        audit_labels=services.AUDIT_LABELS,
        status_labels=dict(STATUS_CHOICES),
        desil_history=review.desil_history(person),
        dtsen_flags=review.flags_of(person),
        dtsen_reasons=review.REASON_LABELS,
        dtsen_statuses=review.STATUS_LABELS,
        premium_months=premium_months_by_year,
        cases=cases.cases_of(person),
        case_kind_labels=cases.KIND_LABELS,
        case_state_labels=cases.STATE_LABELS,
        owed_lines=owed_back_of(person.id),
        messages=notification_services.messages_about(person.id),
    )


@bp.route("/<int:person_id>/koreksi", methods=["GET", "POST"])
@office_required
def correct(person_id: int):
    """Correct a member's data, with the reason recorded in the audit trail."""
    person = _person_or_404(person_id)
    form = CorrectionForm(obj=person if request.method == "GET" else None, person=person)
    if request.method == "GET":
        form.sex.data = person.sex.value
        show_consent_for(form, person.phone, person.phone_consent)
        services.note_view(person, current_user)
        db.session.commit()
    form.kelurahan_code.choices = kelurahan_choices()
    form.category_code.choices = category_choices()
    if form.validate_on_submit():
        try:
            services.correct_person(person, form.changes(), form.reason.data, current_user)
        except services.RegistryError as error:
            db.session.rollback()
            form.reason.errors = list(form.reason.errors) + [str(error)]
        else:
            db.session.commit()
            flash(_("Data peserta dikoreksi."), "success")
            return redirect(url_for("registry.member", person_id=person_id))
    return render("registry/correct.html", person=person, form=form)


@bp.post("/<int:person_id>/keanggotaan/<int:membership_id>/akhiri")
@office_required
def end_membership(person_id: int, membership_id: int):
    """End an active membership with a reason (deceased, moved away, employer, other)."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.person_id != person_id:
        abort(404)
    form = EndMembershipForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
    else:
        try:
            services.end_membership(membership, form.reason.data, form.note.data or "", current_user)
        except services.RegistryError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Keanggotaan %(number)s diakhiri.", number=membership.number), "success")
    return redirect(url_for("registry.member", person_id=person_id))
