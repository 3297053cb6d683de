"""How far each sheet of an XLSX or ODS reaches, measured in its XML before any parser sees it.

calamine builds every sheet as one dense grid from its first to its farthest cell, so a
1.5 KB XLSX with cells at A1 and XFD1048576 asks for 512 GiB, and an 825-byte ODS that
repeats one row 100,000 times over 100 columns fills 1.2 GB. The byte size of the archive
says nothing about that; the cell positions do. This module streams each part's inflated
XML in chunks through a regular expression that finds only the tags that place cells
(no tree is built, no entity is expanded) and reports the extent: farthest row, farthest
column and how many cells calamine would hold. portal.spreadsheets.reader compares that
with the limits.

The measure errs on the large side: it counts XLSX cells that hold no value (calamine skips
them) and a declared <dimension>; for ODS it follows calamine's own rule, which drops empty
cells at the end of a row and empty rows at the end of a sheet (LibreOffice ends every sheet
with an empty row repeated about a million times), but keeps empty rows and cells that come
before content. A tag this module cannot read with certainty makes the sheet malformed, so
nothing can hide a cell from the measure that calamine would still place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

CHUNK_BYTES = 1 << 20

# One attribute as XML writes it. A "<" inside a value is not XML; refusing it lets a
# chunk end at its last "<" without ever cutting a tag this expression would match.
_ATTRIBUTES = rb"""((?:\s+[^\s=/<>]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(/?)>"""
# The start of a tag with one of the given local names, any namespace prefix, then its
# attributes; the attribute group is None when the tag is not well-formed.
_XLSX_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.\-]*:)?(c|row|dimension)(?=[\s/>])(?:" + _ATTRIBUTES + rb")?")
_ODS_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.\-]*:)?(table|table-row|table-cell|covered-table-cell)(?=[\s/>])(?:" + _ATTRIBUTES + rb")?")
# What Excel, LibreOffice and openpyxl write: no namespace prefix, r first in <c>, a plain
# reference, and no other r attribute than those of <c> and <row> (calamine takes the last
# of two). When a whole part reads this way its extent is found in C, with no Python per
# cell; otherwise the part is read again tag by tag.
_C_STARTS = (b"<c ", b"<c>", b"<c/", b"<c\t", b"<c\n", b"<c\r")
_C_PLAIN = re.compile(rb"""<c\s+r\s*=\s*(["'])([A-Za-z]{1,3})([0-9]{1,7})\1""")
_ROW_WITH_R = re.compile(rb"<row\s[^<>]*?(?<=\s)r\s*=")
_ANY_R = re.compile(rb"\sr\s*=")
_PREFIXED_CELL_OR_ROW = re.compile(rb":(?:c|row)[\s/>]")
_DIMENSION = re.compile(rb"<(/?)(?:[A-Za-z_][\w.\-]*:)?(dimension)(?=[\s/>])(?:" + _ATTRIBUTES + rb")?")
_R = re.compile(rb"""\sr\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_DIMENSION_REF = re.compile(rb"""\sref\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ROWS_REPEATED = re.compile(rb"""number-rows-repeated\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_COLUMNS_REPEATED = re.compile(rb"""number-columns-repeated\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CELL_REF = re.compile(rb"\$?([A-Za-z]*)\$?([0-9]*)")
_ENTITY = re.compile(rb"&(#[0-9]+|#x[0-9A-Fa-f]+|amp|lt|gt|quot|apos);")
_NAMED = {b"amp": b"&", b"lt": b"<", b"gt": b">", b"quot": b'"', b"apos": b"'"}


class MalformedSheet(ValueError):
    """A tag that places cells could not be read with certainty."""


@dataclass
class Extent:
    """A sheet's reach: its farthest row and column (1-based, from A1) and the cells it holds."""

    rows: int = 0
    columns: int = 0
    cells: int = 0

    @property
    def area(self) -> int:
        return self.rows * self.columns

    def reach(self, row: int, column: int) -> None:
        self.rows = max(self.rows, row)
        self.columns = max(self.columns, column)


def xlsx_part_extent(stream: IO[bytes], reopen) -> Extent:
    """The extent of one XML part of an XLSX: every <c> it holds and its declared <dimension>.

    Every part is measured, not only those the workbook names as worksheets: what calamine
    opens depends on relationship files an attacker writes too. `reopen()` gives the part's
    bytes again, for the tag-by-tag reading when a cell is not written the plain way.
    """
    extent = Extent()
    for match in _tags(stream, _DIMENSION, plain_cells=extent, literal=b"dimension"):
        _reach_declared(extent, match.group(3))
    if extent.cells >= 0:
        return extent
    with reopen() as again:
        return _xlsx_tag_by_tag(again)


def _xlsx_tag_by_tag(stream: IO[bytes]) -> Extent:
    """The extent as calamine places cells: rows and cells without r follow the one before."""
    extent = Extent()
    row = 0  # the current <row>; rows and cells without an r attribute follow the one before
    column = 0
    for match in _tags(stream, _XLSX_TAG):
        closing, name, attributes = match.group(1), match.group(2), match.group(3)
        if closing:
            continue
        if name == b"row":
            number = _attribute(_R, attributes)
            row = _number(number) if number is not None else row + 1
            column = 0
        elif name == b"c":
            extent.cells += 1
            reference = _attribute(_R, attributes)
            if reference is None:
                column += 1
                extent.reach(max(row, 1), column)
            else:
                ref_column, ref_row = _cell_reference(reference)
                column = ref_column or column + 1
                extent.reach(ref_row or max(row, 1), column)
        else:
            _reach_declared(extent, attributes)
    return extent


def _reach_declared(extent: Extent, attributes: bytes) -> None:
    declared = _attribute(_DIMENSION_REF, attributes) or b""
    for corner in declared.split(b":"):
        try:
            ref_column, ref_row = _cell_reference(corner)
        except MalformedSheet:
            continue  # calamine does not size anything by the dimension
        extent.reach(ref_row, ref_column)


def _reach_plain_cells(extent: Extent, text: bytes, start: int, end: int) -> None:
    """Cells written the plain way, counted in C; extent.cells becomes -1 when one is not."""
    if extent.cells < 0:
        return
    if _PREFIXED_CELL_OR_ROW.search(text, start, end):
        extent.cells = -1  # a namespace prefix
        return
    cells = _C_PLAIN.findall(text, start, end)
    starts = sum(text.count(opening, start, end) for opening in _C_STARTS)
    r_attributes = len(_ANY_R.findall(text, start, end))
    if len(cells) != starts or r_attributes != len(cells) + len(_ROW_WITH_R.findall(text, start, end)):
        extent.cells = -1
        return
    if cells:
        extent.cells += len(cells)
        rows = max(map(int, (row for _quote, _letters, row in cells)))
        columns = max(_column({letters.upper() for _quote, letters, _row in cells}))
        extent.reach(rows, columns)


def ods_extents(stream: IO[bytes]) -> Iterator[Extent]:
    """The extent of each table in an ODS content.xml, as calamine would hold it.

    A cell holds content when it declares a value type (calamine reads nothing else); a
    row's width ends after its last such cell; the sheet ends after its last row with
    content. Repeats multiply both.
    """
    extent: Extent | None = None
    rows_before = 0  # rows of the current table above the current row
    repeat_rows = 0  # > 0 while inside a row
    width = 0  # of the current row, up to its last cell with content
    column = 0

    def end_row() -> None:
        nonlocal rows_before, repeat_rows
        if repeat_rows and width:
            extent.reach(rows_before + repeat_rows, width)
        rows_before += repeat_rows
        repeat_rows = 0

    for match in _tags(stream, _ODS_TAG):
        closing, name, attributes, empty = match.groups()
        if name == b"table-cell" and extent is not None:
            # The common case first: one cell, most often neither repeated nor closing.
            if not closing:
                column += _repeat(_COLUMNS_REPEATED, attributes) if b"repeated" in attributes else 1
                if b"value-type" in attributes:
                    width = column
            continue
        if name == b"table":
            if closing:
                if extent is not None:
                    end_row()
                    extent.cells = extent.area
                    yield extent
                extent = None
            elif extent is not None:
                # LibreOffice Calc never nests tables; calamine's reading of them is not ours to guess.
                raise MalformedSheet("nested table")
            elif not empty:
                extent, rows_before, repeat_rows = Extent(), 0, 0
        elif extent is None or closing:
            if closing and name == b"table-row" and extent is not None:
                end_row()
        elif name == b"table-row":
            end_row()
            repeat_rows = _repeat(_ROWS_REPEATED, attributes)
            width = column = 0
            if empty:
                end_row()
        else:
            repeat_columns = _repeat(_COLUMNS_REPEATED, attributes)
            column += repeat_columns
            if b"value-type" in attributes:
                width = column
    if extent is not None:
        raise MalformedSheet("unterminated table")


def _tags(stream: IO[bytes], pattern: re.Pattern, plain_cells: Extent | None = None, literal: bytes = b"") -> Iterator[re.Match]:
    """The pattern's matches over the stream, read in chunks; a chunk is cut at its last "<".

    With `plain_cells`, each chunk's plain <c> cells are measured into it as well; a chunk
    without `literal` is known to hold no match.
    """
    carry = b""
    while True:
        chunk = stream.read(CHUNK_BYTES)
        buffer = carry + chunk
        if not chunk:
            cut = len(buffer)
        else:
            cut = buffer.rfind(b"<")
            if cut <= 0:
                # No tag starts here but perhaps at the very beginning: keep reading.
                carry = buffer
                continue
        if plain_cells is not None:
            _reach_plain_cells(plain_cells, buffer, 0, cut)
        if literal and buffer.find(literal, 0, cut) < 0:
            carry = buffer[cut:]
            if not chunk:
                return
            continue
        for match in pattern.finditer(buffer, 0, cut):
            if match.group(3) is None and not match.group(1):
                raise MalformedSheet("unreadable tag")
            yield match
        carry = buffer[cut:]
        if not chunk:
            return


def _attribute(pattern: re.Pattern, attributes: bytes) -> bytes | None:
    found = pattern.search(attributes)
    if found is None:
        return None
    if pattern.search(attributes, found.end()):
        raise MalformedSheet("an attribute given twice")  # which one would calamine take?
    value = found.group(1) if found.group(1) is not None else found.group(2)
    if b"&" in value:
        value = _ENTITY.sub(_unescape, value)
    return value.strip()


def _unescape(match: re.Match) -> bytes:
    name = match.group(1)
    if name.startswith(b"#"):
        code = int(name[2:], 16) if name.startswith(b"#x") else int(name[1:])
        return chr(min(code, 0x10FFFF)).encode("utf-8", "replace")
    return _NAMED[name]


def _cell_reference(reference: bytes) -> tuple[int, int]:
    """(column, row) of a reference like 'XFD1048576' or 'b7', 0 for a part it lacks."""
    found = _CELL_REF.fullmatch(reference)
    if found is None:
        raise MalformedSheet("unreadable cell reference")
    column = 0
    for letter in found.group(1).upper():
        column = column * 26 + letter - 64
    return column, (int(found.group(2)) if found.group(2) else 0)


def _column(letters_set) -> Iterator[int]:
    for letters in letters_set:
        column = 0
        for letter in letters:
            column = column * 26 + letter - 64
        yield column


def _number(value: bytes) -> int:
    if not value.isdigit():
        raise MalformedSheet("unreadable row number")
    return int(value)


def _repeat(pattern: re.Pattern, attributes: bytes) -> int:
    value = _attribute(pattern, attributes)
    return 1 if value is None else max(_number(value), 1)
