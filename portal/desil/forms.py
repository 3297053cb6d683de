"""Forms of the DTSEN refresh review (staff): the filter, one member's decision, a bulk decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.desil.review import END, KEEP, REASON_LABELS
from portal.forms import PortalForm, TypedDateField, select_choices
from portal.registry.services import END_REASONS

DECISION_LABELS = {KEEP: _l("Pertahankan sampai akhir tahun (dengan catatan)"), END: _l("Akhiri keanggotaan")}


class FlagFilterForm(PortalForm):
    """Filter the flags waiting for staff by kecamatan and reason (GET, no CSRF)."""

    kecamatan = SelectField(_l("Kecamatan"), validators=[Optional()])
    alasan = SelectField(_l("Alasan"), validators=[Optional()])
    hal = IntegerField(validators=[Optional(), NumberRange(1, 100_000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.alasan.choices = select_choices([("", _l("Semua"))] + list(REASON_LABELS.items()))


class DecisionForm(PortalForm):
    """Keep the member until the year's end with a note, or end the membership with a reason and date."""

    decision = RadioField(
        _l("Keputusan"),
        choices=select_choices(DECISION_LABELS.items()),
        validators=[InputRequired(_l("Pilih keputusan."))],
    )
    note = StringField(_l("Catatan"), validators=[Optional(), Length(max=500)])
    end_reason = SelectField(
        _l("Alasan berakhir"), choices=select_choices([("", _l("Pilih alasan"))] + list(END_REASONS.items())),
        validators=[Optional()],
    )
    end_date = TypedDateField(_l("Tanggal berakhir"), validators=[Optional()])


class BulkDecisionForm(DecisionForm):
    """A decision for every flag of the filter: confirms the count the page showed, nothing more."""

    expected = HiddenField(validators=[DataRequired()])
    kecamatan = HiddenField()
    alasan = HiddenField()

    @property
    def expected_count(self) -> int:
        try:
            return int(self.expected.data)
        except (TypeError, ValueError):
            return -1
