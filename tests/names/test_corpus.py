"""The name-matching corpus: typed and stored names of one person match, of two people do not."""

import csv
from pathlib import Path

import pytest

from portal.names import canonical_name, name_key, same_person_name

with open(Path(__file__).with_name("corpus.csv"), newline="", encoding="utf-8") as corpus:
    PAIRS = [(r["typed"], r["stored"], r["same"], r["note"]) for r in csv.DictReader(corpus)]


def test_the_corpus_holds_at_least_150_pairs_of_both_kinds():
    assert len(PAIRS) >= 150
    assert sum(p[2] == "different" for p in PAIRS) >= 60


@pytest.mark.parametrize(("typed", "stored", "same", "note"), PAIRS, ids=[f"{p[0]}|{p[1]}" for p in PAIRS])
def test_a_typed_name_matches_the_stored_one_exactly_when_it_is_the_same_person(typed, stored, same, note):
    assert same_person_name(typed, canonical_name(stored)) is (same == "same"), note


def test_titles_degrees_and_abbreviations_fold_to_one_canonical_form():
    assert canonical_name("Drs. H. Abd. Rahman, M.Si.") == "abdul rahman"
    assert canonical_name("Hj. ST. RAHMAWATI") == "siti rahmawati"
    assert canonical_name("A. Tenri Ajeng, S.Pd.") == "andi tenri ajeng"


def test_an_empty_name_matches_nothing():
    assert not same_person_name("", canonical_name(""))
    assert not same_person_name("Siti", "")


def test_name_key_still_only_folds():
    assert name_key("  SITI, Aminah. ") == "siti aminah"
