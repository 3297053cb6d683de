"""The form of the RT/RW head finder: a kelurahan and an RW, nothing personal."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from portal.forms import PortalPlainForm, kelurahan_choices, rw_number
from portal.models import AREA_NUMBER_MAX


class AreaContactsForm(PortalPlainForm):
    """Asked by GET: a kelurahan and RW are public, so they may stand in the URL."""

    kelurahan = SelectField(_l("Kelurahan"), validators=[InputRequired(_l("Pilih kelurahan."))], validate_choice=False)
    rw = IntegerField(
        _l("Nomor RW"),
        validators=[InputRequired(_l("Isi nomor RW tempat Anda tinggal.")), rw_number()],
        render_kw={"inputmode": "numeric", "min": 1, "max": AREA_NUMBER_MAX},
    )
    submit = SubmitField(_l("Cari"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kelurahan.choices = kelurahan_choices(_l("Pilih kelurahan"))

    def validate_kelurahan(self, field):
        if field.data and field.data not in {choice.value for choice in field.choices[1:]}:
            raise ValidationError(_l("Pilih kelurahan dari daftar."))
