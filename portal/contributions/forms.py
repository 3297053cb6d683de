"""Forms of the contribution pages: a payment (recorded, corrected) and a void."""

from __future__ import annotations

import re

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal import clock
from portal.contributions.ledger import Month
from portal.forms import PortalForm, TypedDateField, select_choices

MAX_PAYMENT = 10**13  # Rp 10 trillion: far above a year's programme, below BigInteger's reach
_RUPIAH = re.compile(r"^\d{1,3}(?:[.\s]\d{3})*$|^\d+$")


class RupiahField(StringField):
    """Whole rupiah as people type them: 16800000, 16.800.000 or Rp 16.800.000."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        text = (self.data or "").strip()
        text = re.sub(r"^rp\.?\s*", "", text, flags=re.IGNORECASE).replace("\u00a0", " ").strip()
        if text.endswith(",00"):
            text = text[:-3]
        if not text:
            self.data = None
        elif _RUPIAH.match(text):
            self.data = int(re.sub(r"[.\s]", "", text))
        else:
            self.data = None
            raise ValueError(str(_l("Tulis jumlah dalam rupiah bulat, mis. 16.800.000.")))

    def _value(self):
        return str(self.data) if isinstance(self.data, int) else (self.raw_data[0] if self.raw_data else "")


def payable_months(today) -> list[Month]:
    """The months a payment may cover: last year's and this year's (the arrears rule looks at
    no older month, and the city pays for months it was billed, not in advance)."""
    return [Month(year, month) for year in (today.year - 1, today.year) for month in range(1, 13)]


class PaymentForm(PortalForm):
    """A payment to BPJS: when, how much, its SP2D number and the months it pays for."""

    paid_on = TypedDateField(_l("Tanggal bayar"), validators=[InputRequired(_l("Isi tanggal pembayaran."))])
    amount = RupiahField(_l("Jumlah (Rp)"), validators=[InputRequired(_l("Isi jumlah yang dibayar."))])
    order_number = StringField(
        _l("Nomor SP2D / perintah bayar"),
        validators=[DataRequired(_l("Isi nomor SP2D.")), Length(max=60)],
        filters=[lambda v: " ".join(v.split()) if isinstance(v, str) else v],
    )
    months = SelectMultipleField(
        _l("Bulan yang dibayar"), option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False), validators=[DataRequired(_l("Pilih paling sedikit satu bulan yang dibayar."))]
    )
    note = TextAreaField(_l("Catatan"), validators=[Optional(), Length(max=1000)])
    # What the allocation shown was computed from: saving needs the same (see signature).
    previewed = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = clock.today()
        self.months.choices = select_choices(
            (str(m), format_date(m.first_day, "MMMM yyyy")) for m in payable_months(today)
        )

    def validate_paid_on(self, field):
        if field.data and field.data > clock.today():
            raise ValidationError(_l("Tanggal bayar tidak boleh setelah hari ini."))

    def validate_amount(self, field):
        if field.data is not None and not 0 < field.data <= MAX_PAYMENT:
            raise ValidationError(_l("Jumlah pembayaran harus lebih dari nol dan masuk akal."))

    def chosen_months(self) -> list[Month]:
        return sorted(Month(*map(int, value.split("-"))) for value in self.months.data or [])

    def signature(self) -> str:
        """The amount and months the allocation depends on, as the preview's hidden field holds them."""
        return f"{self.amount.data}:{','.join(str(m) for m in self.chosen_months())}"


class CorrectionForm(PaymentForm):
    """A payment corrected by an admin: the same fields and why."""

    reason = TextAreaField(_l("Alasan koreksi"), validators=[DataRequired(_l("Tulis alasan koreksi.")), Length(min=5, max=1000)])


class VoidForm(PortalForm):
    """Void a payment (admin): why."""

    reason = TextAreaField(_l("Alasan pembatalan"), validators=[DataRequired(_l("Tulis alasan pembatalan.")), Length(min=5, max=1000)])
