"""The one duplicate finder: the same person under another NIK, or another person under the same NIK.

Shared by the row validator (upload, inline rows, the CLI import) and the reviewer's entry
page. A candidate is a registry person or an entry still being decided; it is the probe's
person when

- `same_name_birth`: the canonical names are equal and the birth dates too;
- `similar_name_birth`: the names match by `portal.names.canonical_names_match` (a spelling
  variant: "Rahmawati" / "Rachmawati", "Nur Alam" / "Nuralam") and the birth dates are equal;
- `nik_slip`: the NIKs differ in one or two digits and the names match;
- `same_kk_name`: the same KK number and the names match;
- `known_alias`: the probe's NIK is a NIK the registry person is already known by.

With `same_nik`, a candidate with the probe's own NIK is reported too (`same_nik`), and
`names_differ` is added when its name does not match: another person under the same NIK.

Blocking keeps the work linear in the number of probes, whatever the registry's size: only
candidates sharing a block with a probe are read, by indexed look-ups (a fixed number per
batch of probes; PostgreSQL gets each batch's keys as one parameter (portal.sql), SQLite as IN lists,
with the same results): the canonical name with the birth date (index ix_*_name_birth: any
other NIK, a slip anywhere in it), the NIK's first 12 digits (issuing kecamatan and birth date,
as a range on the NIK's index: a slip in the serial, whatever the spelling), and the KK number.
Names and digits are then compared in Python. Pairs a reviewer judged to be different people
are never reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import ne
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, and_, func, or_, text, tuple_

from portal.extensions import db
from portal.models import DuplicatePair, DuplicateVerdict, EntryState, ListEntry, Person, PersonNikAlias
from portal.names import canonical_names_match, squashed_name
from portal.sql import on_postgresql, one_of, value_array

# Why two records may be one person: each finding names its reasons with these codes.
REASONS = {
    "same_nik": _l("NIK sama"),
    "names_differ": _l("Nama jelas berbeda: mungkin orang lain memakai NIK ini"),
    "same_name_birth": _l("Nama (bentuk kanonik) dan tanggal lahir sama"),
    "similar_name_birth": _l("Nama mirip (ejaan berbeda) dan tanggal lahir sama"),
    "nik_slip": _l("NIK berbeda satu atau dua angka, nama cocok"),
    "same_kk_name": _l("No. KK sama dan nama cocok"),
    "known_alias": _l("NIK ini sudah tercatat sebagai NIK lain orang ini"),
}
# Reasons that pair two different NIKs, which a reviewer can resolve.
ACROSS_NIKS = frozenset({"same_name_birth", "similar_name_birth", "nik_slip", "same_kk_name", "known_alias"})
# The validator's finding on a row that may be a person known under another NIK.
OTHER_NIK_CODE = "duplicate_other_nik"
MAX_NIK_DIGITS_APART = 2
# Probes per round of look-ups (each IN list stays well under every driver's limit).
BATCH_SIZE = 2000
# The candidates one probe may name (a very common name on a common birth date is not
# grounds for a wall of cards).
PER_PROBE_LIMIT = 20


@dataclass(frozen=True)
class Probe:
    """What is known of the record whose duplicates are sought."""

    nik: str
    name_canonical: str
    birth_date: date | None
    kk_number: str | None = None


@dataclass(frozen=True)
class Match:
    """A candidate record and why it may be the probe's person."""

    kind: str  # "person" or "entry"
    id: int
    nik: str
    reasons: tuple[str, ...]

    @property
    def across_niks(self) -> bool:
        return any(reason in ACROSS_NIKS for reason in self.reasons)


def pair_key(nik_a: str, nik_b: str) -> tuple[str, str]:
    """The two NIKs of a pair in DuplicatePair's order."""
    return (nik_a, nik_b) if nik_a <= nik_b else (nik_b, nik_a)


def digits_apart(nik_a: str, nik_b: str) -> int:
    """How many digits two NIKs of the same length differ in (17 when their lengths differ)."""
    if len(nik_a) != len(nik_b):
        return 17
    return sum(map(ne, nik_a, nik_b))


class NameMatcher:
    """canonical_names_match, answering most pairs from per-name forms computed once (a batch
    compares the same names many times). Names one with their spaces taken out and doubled
    letters single match; otherwise a match needs the same words' first and last letters
    (doubling and a slip inside a word keep them), so only such pairs are compared in full."""

    def __init__(self):
        self._forms: dict[str, tuple[str, tuple]] = {}

    def _form(self, name: str) -> tuple[str, tuple]:
        form = self._forms.get(name)
        if form is None:
            form = (squashed_name(name), tuple((w[0], w[-1]) for w in name.split()))
            if len(self._forms) < 200_000:
                self._forms[name] = form
        return form

    def __call__(self, typed: str, stored: str) -> bool:
        if not typed or not stored:
            return False
        if typed == stored:
            return True
        # Both ways to match keep the first letter (canonical names never start with a
        # space): most candidates of a NIK block fail here, before any form is looked up.
        if typed[0] != stored[0]:
            return False
        forms = self._forms
        typed_squashed, typed_ends = forms.get(typed) or self._form(typed)
        stored_squashed, stored_ends = forms.get(stored) or self._form(stored)
        if typed_squashed == stored_squashed:
            return True
        return typed_ends == stored_ends and canonical_names_match(typed, stored)


def find_duplicates(
    probes: Sequence[Probe],
    *,
    same_nik: bool = False,
    entry_states: Iterable[EntryState] = (EntryState.PENDING, EntryState.RETURNED),
    exclude_entry_ids: Iterable[int] = (),
    exclude_list_id: int | None = None,
    matcher: NameMatcher | None = None,
) -> list[list[Match]]:
    """For each probe (in order), the registry persons and the entries in `entry_states`
    that may be its person, registry persons first. Pass one `matcher` to calls on the
    batches of one file, so the forms of names it met stay computed."""
    excluded = set(exclude_entry_ids)
    states = tuple(entry_states)
    found: list[list[Match]] = []
    matcher = matcher or NameMatcher()
    for start in range(0, len(probes), BATCH_SIZE):
        batch = probes[start:start + BATCH_SIZE]
        persons = _candidates(Person, batch, same_nik)
        entries = _candidates(ListEntry, batch, same_nik, states=states, exclude_list_id=exclude_list_id) if states else {}
        entries = {key: [r for r in rows if r[0] not in excluded] for key, rows in entries.items()}
        aliases = _aliases({p.nik for p in batch})
        verdicts = _verdicts(batch)
        for probe in batch:
            matches = _judge(probe, "person", persons, matcher, same_nik, verdicts, aliases)
            matches += _judge(probe, "entry", entries, matcher, same_nik, verdicts, {})
            found.append(matches)
    return found


def _nik_head_block(model, heads: set[str]):
    """The condition "the NIK starts with one of these 12 digits", as ranges on the NIK's own
    index: on PostgreSQL a join to the heads sent as one parameter (portal.sql), elsewhere an OR of ranges."""
    if on_postgresql():
        head = db.select(func.unnest(value_array(sorted(heads))).label("head")).subquery("heads")
        # The planner cannot know a range holds a few NIKs: it expects thousands per head and
        # spends 200 ms compiling the query (JIT) for a 20 ms index walk. JIT is off for the
        # rest of this transaction only (SET LOCAL), which does short indexed statements.
        db.session.execute(text("SET LOCAL jit = off"))
        return head, and_(model.nik >= head.c.head, model.nik <= head.c.head.concat("9999"))
    return None, or_(*(model.nik.between(h + "0000", h + "9999") for h in sorted(heads)))


# SQLite parses "a OR b OR ..." into a tree at most 1,000 deep: ranges go in chunks of this many.
SQLITE_RANGES = 400


def _name_birth_block(model, pairs: set[tuple[str, date]]):
    """The condition "this canonical name and birth date" for any of the pairs, on the index
    (name_canonical, birth_date): on PostgreSQL a join to the pairs sent as two parameters,
    elsewhere a row-value IN list."""
    if on_postgresql():
        ordered = sorted(pairs)
        wanted = func.unnest(
            value_array(n for n, _b in ordered), value_array((b for _n, b in ordered), Date())
        ).table_valued("name", "born").render_derived(name="wanted")
        return wanted, and_(model.name_canonical == wanted.c.name, model.birth_date == wanted.c.born)
    return None, tuple_(model.name_canonical, model.birth_date).in_(sorted(pairs))


def _candidates(model, batch: Sequence[Probe], same_nik: bool, *, states=(), exclude_list_id=None) -> dict[tuple, list[tuple]]:
    """The rows (id, nik, name_canonical, birth_date, kk_number) of `model` in each block of
    the batch, by block key (see _block_keys)."""
    name_births = {(p.name_canonical, p.birth_date) for p in batch if p.name_canonical and p.birth_date}
    heads = {p.nik[:12] for p in batch if len(p.nik) == 16}
    kks = {p.kk_number for p in batch if p.kk_number}
    niks = {p.nik for p in batch} if same_nik else set()
    # Registry persons are read through Core (a batch reads some 6,000 of them, and the ORM's
    # work per row tripled the time); entries stay ORM queries, which the soft-delete rule of
    # portal.models.lists reaches.
    source, table = (model.__table__.c, model.__table__) if model is Person else (model, model)
    columns = (source.id, source.nik, source.name_canonical, source.birth_date, source.kk_number)
    blocks: dict[tuple, list[tuple]] = {}
    for prefix, block, values, key in (
        ("n", _name_birth_block, name_births, lambda row: ("n", row[2], row[3])),
        ("h", _nik_head_block, heads, lambda row: ("h", row[1][:12])),
        ("k", lambda model, values: (None, one_of(model.kk_number, values)), kks, lambda row: ("k", row[4])),
        ("i", lambda model, values: (None, one_of(model.nik, values)), niks, lambda row: ("i", row[1])),
    ):
        if not values:
            continue
        values = sorted(values)
        chunk = SQLITE_RANGES if prefix == "h" and not on_postgresql() else len(values)
        for start in range(0, len(values), chunk):
            joined, condition = block(source, set(values[start:start + chunk]))
            query = db.select(*columns)
            query = query.select_from(table).join(joined, condition) if joined is not None else query.where(condition)
            if model is ListEntry:
                query = query.where(ListEntry.state.in_(states))
                if exclude_list_id is not None:
                    query = query.where(ListEntry.list_id != exclude_list_id)
            for row in db.session.execute(query).tuples().all():  # all at once: half the CPU of iterating
                blocks.setdefault(key(row), []).append(row)
    return blocks


def _aliases(niks: set[str]) -> dict[str, tuple[int, str]]:
    """Alias NIK -> the registry person known by it (id and NIK)."""
    if not niks:
        return {}
    query = (
        db.select(PersonNikAlias.nik, Person.id, Person.nik)
        .join(Person, Person.id == PersonNikAlias.person_id)
        .where(one_of(PersonNikAlias.nik, niks))
    )
    return {alias: (person_id, nik) for alias, person_id, nik in db.session.execute(query)}


def _verdicts(batch: Sequence[Probe]) -> dict[tuple[str, str], DuplicateVerdict]:
    """The reviewers' verdicts on every pair with a probe's NIK on either side."""
    niks = list({p.nik for p in batch})
    if not niks:
        return {}
    query = db.select(DuplicatePair.nik_low, DuplicatePair.nik_high, DuplicatePair.verdict).where(
        or_(one_of(DuplicatePair.nik_low, niks), one_of(DuplicatePair.nik_high, niks))
    )
    return {(low, high): verdict for low, high, verdict in db.session.execute(query)}


def _block_keys(probe: Probe, same_nik: bool) -> list[tuple]:
    """The keys of the blocks a probe belongs to, as _candidates files its rows."""
    keys = [("h", probe.nik[:12])]
    if probe.name_canonical and probe.birth_date:
        keys.append(("n", probe.name_canonical, probe.birth_date))
    if probe.kk_number:
        keys.append(("k", probe.kk_number))
    if same_nik:
        keys.append(("i", probe.nik))
    return keys


def _judge(probe: Probe, kind: str, blocks, matcher, same_nik: bool, verdicts, aliases) -> list[Match]:
    seen: dict[int, tuple] = {}
    for key in _block_keys(probe, same_nik):
        for row in blocks.get(key, ()):
            seen.setdefault(row[0], row)
    if not seen and probe.nik not in aliases:
        return []
    matches = []
    alias = aliases.get(probe.nik)
    alias_of = alias[0] if alias else None
    for row_id in sorted(seen):
        row = seen[row_id]
        if row[1] == probe.nik and not same_nik and row_id != alias_of:
            continue  # the probe's own NIK: another finding's business (already a member, proposed elsewhere)
        reasons = _reasons(probe, row, matcher, same_nik)
        if kind == "person" and row_id == alias_of:
            reasons = ("known_alias",) + tuple(r for r in reasons if r != "known_alias")
        if not reasons:
            continue
        nik = row[1]
        if nik != probe.nik:
            verdict = verdicts.get(pair_key(probe.nik, nik))
            if verdict == DuplicateVerdict.DIFFERENT:
                continue
            if verdict == DuplicateVerdict.SAME and "known_alias" not in reasons:
                reasons = ("known_alias",) + reasons
        matches.append(Match(kind, row_id, nik, reasons))
        if len(matches) == PER_PROBE_LIMIT:
            break
    if kind == "person" and alias_of is not None and all(m.id != alias_of for m in matches):
        matches.insert(0, Match("person", alias_of, alias[1], ("known_alias",)))
    return matches


def _reasons(probe: Probe, row: tuple, matcher, same_nik: bool) -> tuple[str, ...]:
    _id, nik, name, born, kk = row
    if nik == probe.nik:
        if not same_nik:
            return ()
        return ("same_nik",) if not name or matcher(probe.name_canonical, name) else ("same_nik", "names_differ")
    if not matcher(probe.name_canonical, name):
        return ()
    reasons = []
    if probe.birth_date and probe.birth_date == born:
        reasons.append("same_name_birth" if probe.name_canonical == name else "similar_name_birth")
    if digits_apart(probe.nik, nik) <= MAX_NIK_DIGITS_APART:
        reasons.append("nik_slip")
    if probe.kk_number and probe.kk_number == kk:
        reasons.append("same_kk_name")
    return tuple(reasons)


def add_aliases_from_verdicts(persons_by_nik: dict[str, Person]) -> int:
    """Give registry persons the other NIKs of their "same person" verdicts as aliases
    (when an entry of a pair is approved after the verdict); returns how many were added."""
    niks = list(persons_by_nik)
    if not niks:
        return 0
    pairs = db.session.execute(
        db.select(DuplicatePair.id, DuplicatePair.nik_low, DuplicatePair.nik_high).where(
            DuplicatePair.verdict == DuplicateVerdict.SAME,
            or_(one_of(DuplicatePair.nik_low, niks), one_of(DuplicatePair.nik_high, niks)),
        )
    ).all()
    wanted = {}
    for pair_id, low, high in pairs:
        for own, other in ((low, high), (high, low)):
            if own in persons_by_nik and other != persons_by_nik[own].nik:
                wanted.setdefault(other, (persons_by_nik[own], pair_id))
    if not wanted:
        return 0
    taken = set(db.session.scalars(db.select(PersonNikAlias.nik).where(PersonNikAlias.nik.in_(list(wanted)))))
    taken |= set(db.session.scalars(db.select(Person.nik).where(Person.nik.in_(list(wanted)))))
    added = 0
    for nik, (person, pair_id) in wanted.items():
        if nik not in taken:
            db.session.add(PersonNikAlias(nik=nik, person_id=person.id, pair_id=pair_id))
            added += 1
    db.session.flush()
    return added


def reason_text(reasons: Iterable[str]) -> str:
    """The reasons in words, for a finding's message."""
    return "; ".join(str(REASONS[r]) for r in reasons if r in REASONS)
