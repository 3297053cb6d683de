"""Every message of every form is in the active language (issue 14, item 11).

The forms are not listed by hand: every form class under portal/ is found, filled with what
a hostile or careless visitor sends (nothing, a tampered choice, a bad date or number, text
longer than its column, NUL, bidi controls, a wrong CSRF token), and each message it gives
must be one of the portal's Indonesian texts under `id` and one of their English
translations under `en`: never WTForms' own English under `id`, never Indonesian under `en`.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import session
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms.fields.choices import SelectChoice
from wtforms.fields import (
    BooleanField,
    DateField,
    DecimalField,
    FieldList,
    FormField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)

import portal
from portal.forms import PortalForm, PortalPlainForm

ROOT = Path(portal.__file__).parent
WTFORMS_POT = Path(importlib.import_module("wtforms").__file__).parent / "locale" / "wtforms.pot"


def _pattern(text: str) -> str:
    """A message with its placeholders (%(name)s, %s, {name}) as a regular expression."""
    return re.sub(r"%\\\(\w+\\\)[sd]|%[sd]|\\\{\w+\\\}", ".+?", re.escape(text))


def _catalogue(path: Path, *, strings: bool) -> re.Pattern:
    with path.open("rb") as file:
        messages = [m for m in read_po(file) if m.id]
    texts = []
    for message in messages:
        for text in (message.string if strings else message.id,):
            texts.extend(text if isinstance(text, tuple) else (text,))
    return re.compile("|".join(f"(?:{_pattern(t)})" for t in texts if t))


INDONESIAN = _catalogue(ROOT / "translations" / "messages.pot", strings=False)
ENGLISH = _catalogue(ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po", strings=True)
WTFORMS_ENGLISH = _catalogue(WTFORMS_POT, strings=False)
FLASK_WTF_ENGLISH = re.compile(r"The CSRF .*|The referrer .*|File does not have .*|File must be .*")


# Bases without fields of their own (a mapping form gets the file's columns from its factory).
# Built by a factory, or (the request form) shaped by an argument: see _factories.
BUILT_BY_FACTORIES = {"ColumnMappingForm", "_GetForm", "RequestForm"}


def form_classes() -> list[type[Form]]:
    """Every form class of the portal, also those built by factory functions."""
    for module in pkgutil.walk_packages([str(ROOT)], "portal."):
        if module.name.endswith(".forms") or module.name == "portal.forms":
            importlib.import_module(module.name)
    from portal.lists.forms import column_mapping_form
    from portal.reports.forms import targets_form

    found, queue = set(), [Form]
    while queue:
        for sub in queue.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                queue.append(sub)
    built = {"FileColumnMappingForm": column_mapping_form, "TargetsForm": targets_form}
    classes = [c for c in found if c.__module__.startswith("portal.") and c.__name__ not in built]
    return sorted(classes, key=lambda c: f"{c.__module__}.{c.__name__}")


def _build(cls, formdata, *, csrf: bool):
    meta = {"csrf": csrf} if issubclass(cls, PortalForm) else {}
    kwargs = {"warnings": 1} if "warnings" in inspect.signature(cls.__init__).parameters else {}
    positional = next(iter(list(inspect.signature(cls.__init__).parameters.values())[1:]), None)
    if positional is not None and positional.name == "formdata" and positional.default is inspect.Parameter.empty:
        return cls(formdata, meta=meta, **kwargs)
    return cls(formdata=formdata, meta=meta, **kwargs)


def _factories():
    from portal.lists.forms import column_mapping_form
    from portal.models import RequestKind
    from portal.public_requests.public_forms import RequestForm
    from portal.reports.forms import targets_form

    return [
        # The request form asks per kind: a personal-data request and a correction between them
        # hold every field it has.
        *((f"RequestForm({kind.value})", lambda formdata, csrf, kind=kind: RequestForm(kind, formdata=formdata, meta={"csrf": csrf}))
          for kind in (RequestKind.PERSONAL_DATA, RequestKind.DATA_WRONG, RequestKind.OBJECTION)),
        ("column_mapping_form", lambda formdata, csrf: column_mapping_form([(0, "NIK"), (1, "Nama")], {}, formdata=formdata, meta={"csrf": csrf})),
        ("targets_form", lambda formdata, csrf: targets_form([("kader", "Kader")], [("737101", "Mariso")], formdata=formdata, meta={"csrf": csrf})),
    ]


def _leaves(form) -> list:
    """The form's fields, with a FieldList given one entry and FormFields opened."""
    leaves = []
    for field in form:
        if isinstance(field, FieldList):
            if not field.entries:
                field.append_entry()
            for entry in field.entries:
                leaves.extend(_leaves(entry.form) if isinstance(entry, FormField) else [entry])
        elif isinstance(field, FormField):
            leaves.extend(_leaves(field.form))
        else:
            leaves.append(field)
    return leaves


def _offer_choices(form) -> None:
    """Choices a view sets (the kelurahan of the city, the categories), as the view would."""
    for field in form:
        if isinstance(field, (FieldList,)):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    _offer_choices(entry.form)
        elif isinstance(field, FormField):
            _offer_choices(field.form)
        elif isinstance(field, (SelectField, RadioField, SelectMultipleField)) and field.choices is None:
            field.choices = [SelectChoice("kader", "Kader")]


def _hostile_inputs(fields) -> list[MultiDict]:
    """What a careless or hostile visitor sends, field by field."""
    variants = [MultiDict()]
    for kind in ("tampered", "huge", "nul", "bidi"):
        data = MultiDict()
        for field in fields:
            if field.name == "csrf_token" or isinstance(field, PasswordField) and kind != "tampered":
                continue
            if isinstance(field, (SelectField, RadioField, SelectMultipleField)):
                data.add(field.name, "tampered-\u2603")
            elif isinstance(field, DateField):
                data.add(field.name, {"tampered": "13/13/1985", "huge": "31/02/1985"}.get(kind, "1985-02-3x"))
            elif isinstance(field, (IntegerField, DecimalField)):
                data.add(field.name, {"tampered": "dua belas", "huge": "9" * 30}.get(kind, "-1"))
            elif isinstance(field, BooleanField):
                data.add(field.name, "y")
            elif isinstance(field, StringField):
                data.add(field.name, {"tampered": "x", "huge": "Budi " * 400, "nul": "Bu\x00di", "bidi": "Budi \u202eotnaS"}[kind])
        variants.append(data)
    return variants


def _messages(errors) -> list[str]:
    if isinstance(errors, dict):
        return [m for value in errors.values() for m in _messages(value)]
    if isinstance(errors, (list, tuple)):
        return [m for value in errors for m in _messages(value)]
    return [str(errors)]


def _collect(app, language: str) -> dict[str, set[str]]:
    """Every message each form gives to every hostile input, in one language."""
    found: dict[str, set[str]] = {}
    builders = [
        (f"{c.__module__}.{c.__name__}", lambda formdata, csrf, c=c: _build(c, formdata, csrf=csrf))
        for c in form_classes()
        if c.__name__ not in BUILT_BY_FACTORIES
    ]
    for name, build in builders + _factories():
        for csrf in (False, True):
            with app.test_request_context("/", method="POST"):
                session["lang"] = language
                fields = _leaves(build(MultiDict(), False))
            for formdata in _hostile_inputs(fields):
                if csrf:
                    formdata = MultiDict([*formdata.items(multi=True), ("csrf_token", "forged")])
                with app.test_request_context("/", method="POST", data=formdata):
                    session["lang"] = language
                    form = build(formdata, csrf)
                    _offer_choices(form)
                    form.validate()
                    found.setdefault(name, set()).update(_messages(form.errors))
    return found


def test_every_form_of_the_portal_is_built_on_the_portal_base():
    classes = form_classes()
    assert len(classes) >= 25
    strays = [c.__name__ for c in classes if not issubclass(c, (PortalForm, PortalPlainForm))]
    assert strays == []


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_message_of_every_form_is_in_the_active_language(app, language):
    found = _collect(app, language)
    assert len(found) >= 27
    assert sum(len(messages) for messages in found.values()) >= 60
    own = INDONESIAN if language == "id" else ENGLISH
    wrong = {}
    for form, messages in found.items():
        for message in messages:
            foreign = language == "id" and (WTFORMS_ENGLISH.fullmatch(message) or FLASK_WTF_ENGLISH.fullmatch(message))
            if foreign or not own.fullmatch(message):
                wrong.setdefault(form, []).append(message)
    assert wrong == {}


def test_a_typed_birth_date_is_read_in_the_formats_people_write_and_a_wrong_one_says_what_is_expected(app):
    from portal.citizen.forms import EligibilityForm

    for typed in ("13/02/1985", "13-02-1985", "1985-02-13", "13.02.1985", "3/2/1985"):
        with app.test_request_context("/", method="POST", data={"birth_date": typed}):
            form = EligibilityForm(meta={"csrf": False})
            form.validate()
            assert "birth_date" not in form.errors, typed
            assert form.birth_date.data.year == 1985
    for language, expected in (("id", "Tulis tanggal/bulan/tahun, mis. 13/02/1985."), ("en", "Write day/month/year, e.g. 13/02/1985.")):
        with app.test_request_context("/", method="POST", data={"birth_date": "13/13/1985"}):
            session["lang"] = language
            form = EligibilityForm(meta={"csrf": False})
            form.validate()
            assert any(expected in str(m) for m in form.errors["birth_date"])


def test_cek_kelayakan_answers_a_typed_date_and_a_tampered_choice_in_indonesian(app, client):
    from tests.conftest import csrf_token

    token = csrf_token(client, "/cek-kelayakan")
    page = client.post("/cek-kelayakan", data={"csrf_token": token, "birth_date": "32/02/1985", "desil": "99", "kecamatan": "x"}).get_data(as_text=True)
    assert "Not a valid" not in page and "This field is required" not in page
    assert "Tanggal tidak terbaca" in page
