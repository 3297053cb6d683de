"""NIK rules: what a NIK encodes, and masking."""

from datetime import date

import pytest

from portal.models import Sex
from portal.nik import NikError, make_kk, make_nik, mask_nik, parse_kk, parse_nik

TODAY = date(2026, 11, 21)


def test_a_womans_nik_carries_day_plus_forty_and_a_plausible_century():
    info = parse_nik("7371015708450001", TODAY)
    assert info.birth_date == date(1945, 8, 17)
    assert info.sex == Sex.FEMALE
    assert info.issuing_kecamatan == "737101"
    assert parse_nik("7371011302050003", TODAY).birth_date == date(2005, 2, 13)


@pytest.mark.parametrize(
    ("nik", "code"),
    [
        ("737101130285000", "nik_length"),
        ("73710113028500031", "nik_length"),
        ("73710113028A0003", "nik_not_digits"),
        ("7.3710113028E+15", "nik_not_digits"),
        ("0371011302850003", "nik_leading_zero"),
        ("7371013202850003", "nik_bad_date"),
        ("7371011313850003", "nik_bad_date"),
        ("7371017202850003", "nik_bad_date"),
        ("7371011302850000", "nik_serial_zero"),
        ("７３７１０１１３０２８５０００３", "nik_not_digits"),
    ],
)
def test_broken_niks_give_their_error_code(nik, code):
    with pytest.raises(NikError) as error:
        parse_nik(nik, TODAY)
    assert error.value.code == code


def test_make_nik_round_trips_through_parse():
    nik = make_nik("730601", date(1990, 12, 1), Sex.FEMALE, 42)
    assert nik == "7306014112900042"
    info = parse_nik(nik, TODAY)
    assert (info.birth_date, info.sex) == (date(1990, 12, 1), Sex.FEMALE)


def test_mask_shows_first_six_and_last_four_digits():
    assert mask_nik("7371011302850003") == "737101******0003"
    assert mask_nik("123") == "***"


def test_a_kk_number_is_checked_like_a_nik_without_the_sex_offset():
    today = date(2026, 12, 3)
    assert parse_kk(make_kk("737101", date(2015, 3, 9), 12), today) == date(2015, 3, 9)
    for kk, code in (
        ("7371010903150a12", "kk_not_digits"),
        ("73710109031500", "kk_length"),
        ("0371010903150012", "kk_leading_zero"),
        ("7371014903150012", "kk_bad_date"),  # a woman's NIK day: a KK has no sex offset
        ("7371012512260012", "kk_bad_date"),  # issued in the future
        ("7371010903150000", "kk_serial_zero"),
    ):
        with pytest.raises(NikError) as raised:
            parse_kk(kk, today)
        assert raised.value.code == code, kk
