"""The data-subject report form: the NIK travels in a POST body, never in a URL."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Regexp

from portal.forms import PortalForm

NIK_PATTERN = re.compile(r"\d{16}")


class SubjectReportForm(PortalForm):
    """A NIK (exactly 16 digits) and the format: on screen, JSON or PDF."""

    nik = StringField(
        _l("NIK orang yang meminta datanya"),
        validators=[
            DataRequired(message=_l("Isi NIK.")),
            Regexp(r"^\d{16}$", message=_l("NIK harus 16 digit angka.")),
        ],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    format = HiddenField(default="html", validators=[AnyOf(("html", "json", "pdf"))])

    def filter_nik(self, value):
        return "".join((value or "").split())
