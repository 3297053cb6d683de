"""Forms of the renewal run (staff) and of the re-verification answers (RT/RW heads, agents, staff)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import PortalForm, TypedDateField, select_choices
from portal.models import ReverificationAnswer
from portal.renewal.reverification import ANSWER_LABELS


class AnswerForm(PortalForm):
    """One member's "masih layak?" answer."""

    answer = RadioField(
        _l("Jawaban"),
        choices=select_choices((a.value, label) for a, label in ANSWER_LABELS.items()),
        validators=[InputRequired(_l("Pilih jawaban."))],
    )
    event_date = TypedDateField(_l("Tanggal (meninggal atau pindah)"), validators=[Optional()])
    note = StringField(_l("Keterangan"), validators=[Optional(), Length(max=500)])

    @property
    def answer_value(self) -> ReverificationAnswer:
        return ReverificationAnswer(self.answer.data)


class ConfirmAllForm(PortalForm):
    """ "Semua masih layak": confirms the count the page showed, nothing more."""

    expected = HiddenField(validators=[DataRequired()])

    @property
    def expected_count(self) -> int:
        try:
            return int(self.expected.data)
        except (TypeError, ValueError):
            return -1


class RenewalRunForm(PortalForm):
    """Renew one year's members into the next: preview first, then the real run."""

    from_year = IntegerField(_l("Perpanjang anggota tahun"), validators=[DataRequired(), NumberRange(2000, 2100)])
    preview = SubmitField(_l("Pratinjau (tanpa perubahan)"))
    run = SubmitField(_l("Jalankan perpanjangan"))
