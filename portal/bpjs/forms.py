"""Forms of the BPJS exchange: a new registration or de-registration batch and BPJS's answer file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from portal.forms import PortalForm, select_choices
from wtforms import HiddenField, SelectField
from wtforms.validators import DataRequired


class BatchForm(PortalForm):
    file_format = SelectField(_l("Format berkas"), choices=select_choices([("xlsx", "XLSX"), ("csv", "CSV")]))


class AnswerForm(PortalForm):
    answer = FileField(
        _l("Berkas jawaban BPJS (NIK dan nomor KPJ, .xlsx, .csv atau .ods)"),
        validators=[
            FileRequired(_l("Pilih berkas jawaban BPJS.")),
            FileAllowed(["xlsx", "csv", "ods"], _l("Berkas harus berformat .csv, .xlsx atau .ods.")),
        ],
    )


class DeregBatchForm(PortalForm):
    """A new de-registration batch: confirms the count the preview showed, nothing more."""

    expected = HiddenField(validators=[DataRequired()])

    @property
    def expected_count(self) -> int:
        try:
            return int(self.expected.data)
        except (TypeError, ValueError):
            return -1
