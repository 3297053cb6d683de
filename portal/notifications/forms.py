"""The help page's form to stop messages to a number."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from portal.forms import PortalForm
from portal.notifications.recipients import international_phone


class StopMessagesForm(PortalForm):
    """A phone number (sent by POST: a number is personal data)."""

    phone = StringField(
        _l("Nomor HP"),
        validators=[InputRequired(_l("Isi nomor HP yang tidak ingin menerima pesan lagi.")), Length(max=20)],
        render_kw={"inputmode": "tel", "autocomplete": "tel"},
    )
    submit = SubmitField(_l("Hentikan pesan"))

    def validate_phone(self, field):
        if international_phone(field.data) is None:
            raise ValidationError(_l("Nomor HP tidak lazim. Tulis seperti 081234567890."))
