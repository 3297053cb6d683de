"""Forms shared by several features."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange

from portal.models.regions import AREA_NUMBER_MAX


class CsrfOnlyForm(FlaskForm):
    """An empty form for bare POST buttons (logout, language switch, confirmations)."""


def rw_number() -> NumberRange:
    """The one rule for an RW number in a form."""
    return NumberRange(1, AREA_NUMBER_MAX, _l("Nomor RW antara 1 dan %(max)d.", max=AREA_NUMBER_MAX))


def rt_number() -> NumberRange:
    """The one rule for an RT number in a form."""
    return NumberRange(1, AREA_NUMBER_MAX, _l("Nomor RT antara 1 dan %(max)d.", max=AREA_NUMBER_MAX))


def select_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices (tuples are deprecated in WTForms 3.3)."""
    return [SelectChoice(value, label) for value, label in pairs]


def kecamatan_choices(blank: str | None = None) -> list[SelectChoice]:
    """The city's kecamatan for a select, optionally after a blank 'all' choice."""
    from portal.extensions import db
    from portal.models import Kecamatan

    rows = db.session.scalars(db.select(Kecamatan).order_by(Kecamatan.name))
    return select_choices(([("", blank)] if blank else []) + [(k.code, k.name) for k in rows])


def kelurahan_choices(blank: str | None = None, kecamatan_code: str | None = None) -> list[SelectChoice]:
    """The kelurahan of one kecamatan, or of the whole city labelled with their kecamatan, for a select."""
    from portal.extensions import db
    from portal.models import Kecamatan, Kelurahan

    # Plain columns, not 153 ORM objects: busy pages (the review queue) build this every time.
    query = (
        db.select(Kelurahan.code, Kelurahan.name, Kecamatan.name)
        .join(Kecamatan, Kelurahan.kecamatan_code == Kecamatan.code)
        .order_by(Kelurahan.name)
    )
    if kecamatan_code:
        query = query.where(Kelurahan.kecamatan_code == kecamatan_code)
    rows = db.session.execute(query)
    return select_choices(
        ([("", blank)] if blank else [])
        + [(code, name if kecamatan_code else f"{name}, {kecamatan}") for code, name, kecamatan in rows]
    )


def category_choices(blank: str | None = None) -> list[SelectChoice]:
    """The occupation categories for a select, in their reporting order and the page's language."""
    from flask_babel import get_locale

    from portal.extensions import db
    from portal.models import Category

    locale = str(get_locale())
    rows = db.session.scalars(db.select(Category).order_by(Category.sort_order))
    return select_choices(([("", blank)] if blank else []) + [(c.code, c.label(locale)) for c in rows])


def form_errors(form) -> str:
    """Every error of a form as one sentence, for a flash message."""
    return " ".join(str(e) for errors in form.errors.values() for e in errors)
