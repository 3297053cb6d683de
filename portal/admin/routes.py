"""Administration for admins: accounts bound to areas, password resets, yearly settings."""

from __future__ import annotations


from dataclasses import replace

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from portal import clock
from portal.access import roles_required
from portal.accounts import services as accounts
from portal.admin import services
from portal.admin.forms import FACILITY_KIND_CHOICES, ROLE_CHOICES, STATUS_CHOICES, UserFilterForm, UserSearchForm, FacilityForm, PasswordResetForm, ProgrammeYearForm, UserCreateForm, UserDetailsForm, site_settings_form
from portal.extensions import db
from portal.memberships.services import period_rule
from portal.facilities import services as facilities
from portal.forms import CsrfOnlyForm, form_errors, kecamatan_choices, kelurahan_choices, show_consent_for
from portal.help import services as help_services
from portal.hx import render, wants_fragment
from portal.lists.services import category_names
from portal.models import PartnerFacility, ProgrammeYear, Role, User

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _area(form) -> dict:
    facility = form.facility_id.data
    return {
        "kelurahan_code": form.kelurahan_code.data or None,
        "rw": form.rw.data,
        "rt": form.rt.data,
        "facility_id": int(facility) if facility and facility.isdigit() else None,
    }


def _account_choices(form) -> None:
    form.kelurahan_code.choices = kelurahan_choices("-")
    form.facility_id.choices = [("", "-"), *facilities.facility_choices()]


def _user_filter(form: UserFilterForm) -> services.UserFilter:
    """The filters that parse; the kelurahan is dropped when it lies in another kecamatan."""
    kecamatan = form.kecamatan.data if form.kecamatan.data in {c.value for c in form.kecamatan.choices} else None
    kelurahan = form.kelurahan.data if form.kelurahan.data in {c.value for c in form.kelurahan.choices} else None
    return services.UserFilter(
        role=Role(form.peran.data) if form.peran.data in {r.value for r in Role} else None,
        kecamatan_code=kecamatan or None,
        kelurahan_code=kelurahan or None,
        status=form.status.data if form.status.data in {value for value, _label in STATUS_CHOICES} else None,
    )


@bp.route("/pengguna", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users():
    """Accounts by role, area and status, a page at a time; a POST searches them by username or name (never in a URL)."""
    form = UserFilterForm(request.args)
    form.kecamatan.choices = kecamatan_choices(_("Semua kecamatan"))
    form.kelurahan.choices = kelurahan_choices(_("Semua kelurahan"), form.kecamatan.data or None)
    user_filter = _user_filter(form)
    search = UserSearchForm() if request.method == "POST" else UserSearchForm(formdata=None)
    if request.method == "POST" and search.validate():
        user_filter = replace(user_filter, search=search.cari.data)
    page_number = (form.halaman.data or 1) if form.validate() else 1
    page = services.users_page(user_filter, page_number)
    return render(
        "admin/users.html",
        block="results",
        form=form,
        search=search,
        user_filter=user_filter,
        page=page,
        filter_args={k: v for k, v in request.args.items() if k != "halaman" and v},
        action_form=CsrfOnlyForm(),
        role_labels=dict(ROLE_CHOICES),
        fragment=wants_fragment(),
    )


@bp.route("/pengguna/baru", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create_user():
    """Create an RT/RW head, agent, staff or admin account bound to its area."""
    form = UserCreateForm()
    _account_choices(form)
    if form.validate_on_submit():
        try:
            user = accounts.create_user(
                form.username.data,
                Role(form.role.data),
                form.password.data,
                full_name=form.full_name.data,
                phone=form.phone.data or None,
                phone_consent=bool(form.phone_consent.data and form.phone.data),
                phone_public=form.phone_public.data,
                actor=current_user,
                **_area(form),
            )
        except accounts.AccountError as error:
            db.session.rollback()
            form.username.errors = list(form.username.errors) + [str(error)]
        else:
            db.session.commit()
            flash(_("Akun %(u)s dibuat.", u=user.username), "success")
            return redirect(url_for("admin.users"))
    return render("admin/user_form.html", form=form, user=None, role_labels=dict(ROLE_CHOICES))


def _user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/pengguna/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int):
    """Change an account's name, area and phone."""
    user = _user_or_404(user_id)
    form = UserDetailsForm(obj=user if request.method == "GET" else None, saved=user)
    _account_choices(form)
    if request.method == "GET":
        form.facility_id.data = str(user.facility_id) if user.facility_id else ""
        show_consent_for(form, user.phone, user.phone_consent)
    if form.validate_on_submit():
        try:
            services.update_user(
                user,
                current_user,
                full_name=form.full_name.data,
                phone=form.phone.data or None,
                phone_consent=bool(form.phone_consent.data and form.phone.data),
                phone_public=form.phone_public.data,
                **_area(form),
            )
        except accounts.AccountError as error:
            db.session.rollback()
            form.kelurahan_code.errors = list(form.kelurahan_code.errors) + [str(error)]
        else:
            db.session.commit()
            flash(_("Akun %(u)s diperbarui.", u=user.username), "success")
            return redirect(url_for("admin.users"))
    return render("admin/user_form.html", form=form, user=user, password_form=PasswordResetForm(), action_form=CsrfOnlyForm(), role_labels=dict(ROLE_CHOICES))


@bp.post("/pengguna/<int:user_id>/sandi")
@roles_required(Role.ADMIN)
def reset_password(user_id: int):
    """Set a new password; every open session of the account ends."""
    user = _user_or_404(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(user, form.password.data, actor=current_user)
        except accounts.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Kata sandi %(u)s diganti.", u=user.username), "success")
    else:
        flash(form_errors(form), "error")
    return redirect(url_for("admin.edit_user", user_id=user_id))


@bp.post("/pengguna/<int:user_id>/status")
@roles_required(Role.ADMIN)
def toggle_user(user_id: int):
    """Disable an active account (its sessions end at once) or enable a disabled one."""
    user = _user_or_404(user_id)
    if CsrfOnlyForm().validate_on_submit():
        try:
            if user.active:
                services.guard_self(user, current_user)
                accounts.disable_user(user, actor=current_user)
                message = _("Akun %(u)s dinonaktifkan.", u=user.username)
            else:
                services.enable_user(user, current_user)
                message = _("Akun %(u)s diaktifkan kembali.", u=user.username)
        except accounts.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(message, "success")
    return redirect(url_for("admin.users"))


@bp.get("/tahun")
@roles_required(Role.ADMIN)
def years():
    """The programme years and their settings."""
    return render("admin/years.html", years=services.programme_years(), action_form=CsrfOnlyForm())


@bp.post("/tahun/baru")
@roles_required(Role.ADMIN)
def create_year():
    """Start next year's settings as a copy of the latest year."""
    if CsrfOnlyForm().validate_on_submit():
        latest = services.latest_year()
        year = (latest.year + 1) if latest else clock.today().year
        try:
            services.copy_year(latest, year, current_user)
        except ValueError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("Pengaturan tahun %(year)d dibuat.", year=year), "success")
            return redirect(url_for("admin.edit_year", year=year))
    return redirect(url_for("admin.years"))


@bp.route("/tahun/<int:year>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_year(year: int):
    """Edit a year's rules, prices and the settings of each category."""
    programme_year = db.session.get(ProgrammeYear, year) or abort(404)
    settings = sorted(programme_year.categories, key=lambda s: s.category.sort_order)
    if request.method == "GET":
        form = ProgrammeYearForm(obj=programme_year)
        form.categories.entries = []
        for setting in settings:
            form.categories.append_entry(setting)
    else:
        form = ProgrammeYearForm()
    labels = category_names()
    if form.validate_on_submit():
        try:
            services.update_year(programme_year, form.values(), form.category_values(), current_user)
        except ValueError as error:
            db.session.rollback()
            form.min_age.errors = list(form.min_age.errors) + [str(error)]
        else:
            db.session.commit()
            flash(_("Pengaturan tahun %(year)d disimpan.", year=year), "success")
            return redirect(url_for("admin.edit_year", year=year))
    return render(
        "admin/year_form.html", form=form, programme_year=programme_year, labels=labels, period_rule=period_rule(programme_year)
    )


@bp.route("/bantuan", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def site_settings():
    """The help desk's contacts and the benefit amounts every citizen's answer and the help page show."""
    form = site_settings_form(help_services.setting_values())
    if form.validate_on_submit():
        changed = help_services.save_settings(form.setting_values(), current_user)
        db.session.commit()
        flash(_("Pengaturan bantuan disimpan.") if changed else _("Tidak ada yang berubah."), "success")
        return redirect(url_for("admin.site_settings"))
    return render("admin/site_settings.html", form=form)


@bp.get("/fasilitas")
@roles_required(Role.ADMIN)
def facilities_list():
    """The partner facilities (active first) with their address, phone and accounts."""
    return render(
        "admin/facilities.html",
        facilities=facilities.all_facilities(),
        kind_labels=dict(FACILITY_KIND_CHOICES),
        action_form=CsrfOnlyForm(),
    )


@bp.route("/fasilitas/baru", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def create_facility():
    """Add a partner hospital, puskesmas or clinic."""
    form = FacilityForm()
    if form.validate_on_submit():
        try:
            facility = facilities.create_facility(form.values(), current_user)
        except facilities.FacilityError as error:
            db.session.rollback()
            form.name.errors = list(form.name.errors) + [str(error)]
        else:
            db.session.commit()
            flash(_("Fasilitas %(name)s ditambahkan.", name=facility.name), "success")
            return redirect(url_for("admin.facilities_list"))
    return render("admin/facility_form.html", form=form, facility=None)


def _facility_or_404(facility_id: int) -> PartnerFacility:
    return db.session.get(PartnerFacility, facility_id) or abort(404)


@bp.route("/fasilitas/<int:facility_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_facility(facility_id: int):
    """Change a facility's name, kind, address and phone."""
    facility = _facility_or_404(facility_id)
    form = FacilityForm(obj=facility if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = facility.kind.value
    if form.validate_on_submit():
        try:
            changed = facilities.update_facility(facility, form.values(), current_user)
        except facilities.FacilityError as error:
            db.session.rollback()
            form.name.errors = list(form.name.errors) + [str(error)]
        else:
            db.session.commit()
            flash(_("Fasilitas %(name)s diperbarui.", name=facility.name) if changed else _("Tidak ada yang berubah."), "success")
            return redirect(url_for("admin.facilities_list"))
    return render("admin/facility_form.html", form=form, facility=facility)


@bp.post("/fasilitas/<int:facility_id>/status")
@roles_required(Role.ADMIN)
def toggle_facility(facility_id: int):
    """Deactivate a facility (hidden on /bantuan, its accounts signed out) or reactivate it."""
    facility = _facility_or_404(facility_id)
    if CsrfOnlyForm().validate_on_submit():
        facilities.set_active(facility, not facility.active, current_user)
        db.session.commit()
        flash(
            _("Fasilitas %(name)s diaktifkan kembali.", name=facility.name) if facility.active
            else _("Fasilitas %(name)s dinonaktifkan.", name=facility.name),
            "success",
        )
    return redirect(url_for("admin.facilities_list"))


from portal.admin import bulk_routes  # noqa: E402,F401 - the bulk accounts' views, on this blueprint
