"""Every finding of the shared row validator, with its stable code and Indonesian message."""

from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.models import DesilRecord, EntryState, Role, Sex
from portal.nik import clean_nik
from portal.validation import Area, RowValidator, parse_date
from tests.factories import LETTE, PABAENG, make_entry, make_list, make_member, make_user, new_nik

TODAY = date(2026, 6, 1)
AREA = Area(LETTE, 2)


def row(**values) -> dict:
    born = values.pop("born", date(1985, 2, 13))
    base = {"nik": new_nik(born), "full_name": "Budi Santoso", "birth_date": born, "sex": "L", "rw": 2, "rt": 1, "category": "kader", "phone": "081234567890"}
    return {**base, **values}


def findings(raw: dict, area: Area | None = AREA, **kwargs) -> dict[str, str]:
    [checked] = RowValidator(area, today=TODAY).validate([(7, raw)], **kwargs)
    return {f.code: f.severity for f in checked.findings}


def test_a_clean_row_has_no_findings(db_session):
    assert findings(row()) == {}


@pytest.mark.parametrize(
    ("nik", "code"),
    [
        ("7.37101E+15", "nik_scientific_notation"),
        ("7,37101E+15", "nik_scientific_notation"),
        ("7371011302850001.0", "nik_scientific_notation"),
        ("7371011302850001,00", "nik_scientific_notation"),
        (737101130285.5, "nik_scientific_notation"),
        (7.37101e20, "nik_scientific_notation"),
        ("737101130285001", "nik_length"),
        ("73710113028500011", "nik_length"),
        ("7371011302850OO1", "nik_not_digits"),
        ("0371011302850001", "nik_leading_zero"),
        ("7371013202850001", "nik_bad_date"),
        ("7371011302850000", "nik_serial_zero"),
        ("", "nik_missing"),
    ],
)
def test_nik_errors_have_their_own_codes(db_session, nik, code):
    assert findings(row(nik=nik)).get(code) == "error"


def test_scientific_notation_explains_excel_rounding_and_the_fix(db_session):
    [checked] = RowValidator(AREA, today=TODAY).validate([(3, row(nik="7.37101E+15"))])
    message = checked.findings[0].message
    assert "15" in message and "Teks" in message
    assert checked.values["nik"] == "7.37101E+15"  # never "repaired"


def test_a_sixteen_digit_number_cell_ending_in_zero_is_a_warning(db_session):
    nik = new_nik()[:-2] + "10"
    assert findings(row(nik=float(nik)))["nik_numeric_cell"] == "warning"
    assert "nik_numeric_cell" not in findings(row(nik=nik))
    assert "nik_numeric_cell" not in findings(row(nik=float(new_nik()[:-1] + "3")))


def test_nik_text_is_cleaned_of_apostrophes_and_invisible_spaces():
    assert clean_nik("'7371011302850001") == ("7371011302850001", False)
    assert clean_nik("\u20187371 0113\u00a00285\u200b0001\ufeff ") == ("7371011302850001", False)
    assert clean_nik("7371.0113.0285.0001") == ("7371011302850001", False)
    assert clean_nik(7371011302850001.0) == ("7371011302850001", True)


def test_name_missing(db_session):
    assert findings(row(full_name="  "))["name_missing"] == "error"


@pytest.mark.parametrize("value", ["31/02/1985", "kemarin", "13/02/2030", 0])
def test_birth_date_invalid(db_session, value):
    assert findings(row(birth_date=value))["birth_date_invalid"] == "error"


def test_dates_are_read_from_cells_serials_and_text():
    expected = date(1985, 2, 13)
    for value in (expected, "13/02/1985", "13-02-1985", "1985-02-13", "13.02.1985", 31091, 31091.0, "31091", "13 Februari 1985", "13 Feb 1985"):
        assert parse_date(value) == expected, value


def test_age_out_of_range_comes_from_the_years_settings(db_session):
    born = date(2015, 3, 1)
    assert findings(row(born=born))["age_out_of_range"] == "error"


def test_birth_date_and_sex_differing_from_the_nik_are_warnings(db_session):
    raw = row(born=date(1985, 2, 13))
    assert findings({**raw, "birth_date": "14/02/1985"}) == {"birth_date_mismatch": "warning"}
    assert findings({**raw, "sex": "P"}) == {"sex_mismatch": "warning"}


def test_missing_birth_date_and_sex_are_taken_from_the_nik(db_session):
    nik = new_nik(date(1990, 6, 1), Sex.FEMALE)
    [checked] = RowValidator(AREA, today=TODAY).validate([(2, row(nik=nik, birth_date="", sex=None))])
    assert checked.findings == []
    assert checked.values["birth_date"] == date(1990, 6, 1) and checked.values["sex"] == Sex.FEMALE


def test_duplicate_in_file_names_the_first_row(db_session):
    nik = new_nik()
    checked = RowValidator(AREA, today=TODAY).validate([(4, row(nik=nik)), (9, row(nik=nik))])
    assert checked[0].findings == []
    [duplicate] = checked[1].findings
    assert duplicate.code == "duplicate_in_file" and "baris 4" in duplicate.message


def test_already_member(db_session):
    person, _membership = make_member()
    assert findings(row(nik=person.nik, born=person.birth_date, sex="P"))["already_member"] == "error"


def test_pending_elsewhere_names_kelurahan_and_rw_never_whose(db_session):
    other = make_user("nurhaeda", Role.RT_RW, kelurahan_code=PABAENG, rw=5)
    entry = make_entry(make_list(other), full_name="Orang Lain", state=EntryState.PENDING)
    [checked] = RowValidator(AREA, today=TODAY).validate([(2, row(nik=entry.nik))])
    [finding] = checked.findings
    assert finding.code == "pending_elsewhere"
    assert "Pa'baeng-Baeng" in finding.message and "RW 005" in finding.message
    assert "Nurhaeda" not in finding.message and "Orang Lain" not in finding.message and "urhaeda" not in finding.message


def test_outside_area(db_session):
    assert findings(row(rw=3))["outside_area"] == "error"
    assert findings(row(rt=2), area=Area(LETTE, 2, rt=1))["outside_area"] == "error"
    assert findings(row(kelurahan=PABAENG, rw=2))["outside_area"] == "error"


def test_rows_without_an_area_need_their_own_address(db_session):
    assert findings(row(kelurahan="Lette", rw=2), area=None) == {}
    assert findings(row(rw=None), area=None)["address_missing"] == "error"
    assert findings(row(kelurahan="Atlantis", rw=2), area=None)["address_invalid"] == "error"


def test_category_unknown(db_session):
    assert findings(row(category="astronot"))["category_unknown"] == "error"
    assert findings(row(category=""))["category_unknown"] == "error"


def test_welfare_categories_use_the_dtsen_desil(db_session):
    nik = new_nik()
    db.session.add(DesilRecord(nik=nik, desil=7, source_date=date(2026, 1, 1)))
    db.session.flush()
    assert findings(row(nik=nik, category="Pedagang"))["desil_above_cutoff"] == "error"
    assert findings(row(category="Pedagang"))["desil_unknown"] == "note"


@pytest.mark.parametrize("phone", ["12345", "0812-abc", "+1 555 0100"])
def test_phone_invalid_is_a_warning(db_session, phone):
    assert findings(row(phone=phone)) == {"phone_invalid": "warning"}


def test_phone_numbers_are_normalised(db_session):
    for phone in ("+62 812-3456-7890", "6281234567890", 81234567890.0, "0812 3456 7890"):
        [checked] = RowValidator(AREA, today=TODAY).validate([(2, row(phone=phone))])
        assert checked.values["phone"] == "081234567890", phone


def test_every_finding_has_an_indonesian_message_and_a_column(db_session):
    checked = RowValidator(AREA, today=TODAY).validate([(2, row(nik="12", full_name="", birth_date="x", rw=9, category="?", phone="1"))])[0]
    assert {f.code for f in checked.findings} >= {"nik_length", "name_missing", "birth_date_invalid", "outside_area", "category_unknown", "phone_invalid"}
    assert all(f.message and f.column for f in checked.findings)
    assert all(set(issue) >= {"code", "severity", "message", "column"} for issue in checked.issues())
