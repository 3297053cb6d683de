"""Hostile spreadsheets built by hand (a few hundred bytes each), and a child process to read them in.

A regression in the checks would make the parser allocate gigabytes: `in_child` runs the
read in a forked process whose address space is capped, so a regression kills the child
and fails the test instead of taking the test run down.
"""

from __future__ import annotations

import io
import multiprocessing
import resource
import traceback
import zipfile

from portal.spreadsheets.extent import CHUNK_BYTES

MEMORY_HEADROOM = 1 << 30  # what the child may allocate beyond what it inherits
CHILD_TIMEOUT_SECONDS = 60  # a safety net, not a measure: the tests assert no time

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def xlsx(*sheets: str) -> bytes:
    """An XLSX whose worksheets hold the given <worksheet> bodies (dimension, sheetData)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for n in range(1, len(sheets) + 1)
        )
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{overrides}</Types>',
        )
        archive.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}"><Relationship Id="rId1" Type="{_DOCUMENT}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        names = "".join(f'<sheet name="Lembar{n}" sheetId="{n}" r:id="rId{n}"/>' for n in range(1, len(sheets) + 1))
        archive.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_DOCUMENT}"><sheets>{names}</sheets></workbook>')
        targets = "".join(f'<Relationship Id="rId{n}" Type="{_DOCUMENT}/worksheet" Target="worksheets/sheet{n}.xml"/>' for n in range(1, len(sheets) + 1))
        archive.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_RELS}">{targets}</Relationships>')
        for n, body in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">{body}</worksheet>')
    return buffer.getvalue()


def xlsx_cells(*references: str, dimension: str | None = None) -> str:
    """A worksheet body with a text cell at each reference, one <row> per row number."""
    rows: dict[int, list[str]] = {}
    for reference in references:
        rows.setdefault(int(reference.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")), []).append(reference)
    data = "".join(
        f'<row r="{number}">' + "".join(f'<c r="{ref}" t="inlineStr"><is><t>NIK</t></is></c>' for ref in refs) + "</row>"
        for number, refs in sorted(rows.items())
    )
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{declared}<sheetData>{data}</sheetData>"


def ods(*tables: str, extra: dict[str, bytes] | None = None) -> bytes:
    """An ODS whose content.xml holds the given <table:table> elements."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
        )
        archive.writestr(
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
            'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" office:version="1.2">'
            f'<office:body><office:spreadsheet>{"".join(tables)}</office:spreadsheet></office:body></office:document-content>',
        )
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def ods_table(*rows: str, name: str = "Daftar") -> str:
    return f'<table:table table:name="{name}"><table:table-column table:number-columns-repeated="1024"/>{"".join(rows)}</table:table>'


def ods_row(*cells: str, repeat: int = 1) -> str:
    repeated = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-row table:style-name="ro1"{repeated}>{"".join(cells)}</table:table-row>'


def ods_cell(text: str | None = None, repeat: int = 1) -> str:
    """A text cell as LibreOffice writes it, or an empty one (`text` None)."""
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if text is None:
        return f"<table:table-cell{repeated}/>"
    return f'<table:table-cell office:value-type="string" calcext:value-type="string"{repeated}><text:p>{text}</text:p></table:table-cell>'


def far_cell_across_a_chunk_boundary() -> bytes:
    """An XLSX whose far cell's tag starts three bytes before the reader's first chunk ends."""
    header = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">'
    before = '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>NIK</t></is></c></row><!--{}--><row r="200000">'
    padding = "x" * (CHUNK_BYTES - 3 - len(header) - len(before.format("")))
    body = before.format(padding) + '<c r="ZZ200000"><v>1</v></c></row></sheetData>'
    assert (header + body).index('<c r="ZZ200000"') == CHUNK_BYTES - 3
    return xlsx(body)


def in_child(function, *args):
    """function(*args) in a forked child with capped memory; its result, or AssertionError if the child died."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_run_capped, args=(sender, function, args))
    child.start()
    sender.close()
    child.join(CHILD_TIMEOUT_SECONDS)
    if child.is_alive():
        child.kill()
        child.join()
        raise AssertionError("the reader was still running after the safety timeout")
    if not receiver.poll():
        raise AssertionError(f"the reader's process died (exit code {child.exitcode}): it allocated beyond the cap")
    outcome, value = receiver.recv()
    if outcome == "error":
        raise AssertionError(f"the reader raised in the child:\n{value}")
    return value


def _run_capped(sender, function, args) -> None:
    with open("/proc/self/status") as status:
        inherited = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    cap = inherited + MEMORY_HEADROOM
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    try:
        sender.send(("ok", function(*args)))
    except BaseException:
        sender.send(("error", traceback.format_exc()))
    finally:
        sender.close()


def in_child_of_app(app, function, *args):
    """in_child for work that touches the database: the child opens its own connections."""

    def run():
        from portal.extensions import db

        with app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)  # the parent's connections stay the parent's
        return function(*args)

    return in_child(run)


def three_bombs() -> list[tuple[str, bytes, str]]:
    """The issue's three files: (name, content, what the refusal says)."""
    return [
        ("usulan.xlsx", xlsx(xlsx_cells("A1", "XFD1048576")), "1.048.576 baris (sampai sel XFD1048576)"),
        ("usulan.ods", ods(ods_table(ods_row(ods_cell("x", repeat=100), repeat=100_000))), "100.000 baris (sampai sel CV100000)"),
        ("usulan.xlsx", xlsx(xlsx_cells("A1", "ZZ200000")), "200.000 baris (sampai sel ZZ200000)"),
    ]
