"""Hostile input gets a 4xx and a clear message, never a 500 (issue 14, items 3, 4, 8 and 9).

The forms and URLs are not listed by hand: every page of the URL map is opened as the users
who may open it, every form on it is sent back with a control character in each text field,
and every rule with an integer part gets an id no Integer column holds.
"""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from openpyxl import load_workbook
from werkzeug.routing import IntegerConverter

from portal import clock
from portal.cases.services import checklist
from portal.extensions import db
from portal.memberships.services import issue_certificate
from portal.models import CaseDocument, EntryState, ListEntry, Person, Payment, PrintDocument, PrintJob, Role
from tests.cases.helpers import report_case_of
from portal.reports.tables import TABLES
from tests.conftest import AuthActions, csrf_token
from tests.factories import LETTE, make_entry, make_list, make_member, make_user, new_nik
from tests.review.helpers import post

BEL = "\x07"
RLO = "\u202e"
HUGE = (str(2**31), str(2**63), "1" + "0" * 30, "9" * 5000)
MARKER = 987654321
# Text inputs get the control character; the rest keep what the page gave them.
TEXT_TYPES = {"text", "search", "tel", "email", "url", "number", "date", ""}
# Leaving the session would end the walk; the language switch is not a form of the portal's.
SKIPPED_ACTIONS = ("/keluar", "/bahasa")


class _Forms(HTMLParser):
    """The POST forms of a page: action and fields as a browser would send them."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"action": attrs.get("action"), "method": (attrs.get("method") or "get").lower(), "fields": []}
            self.forms.append(self._form)
        elif self._form is None or "name" not in attrs and tag != "option":
            return
        elif tag == "input":
            kind = (attrs.get("type") or "").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            if kind not in ("file", "submit", "button", "image", "reset"):
                self._form["fields"].append([attrs["name"], attrs.get("value") or "", kind])
        elif tag == "textarea":
            self._textarea = [attrs["name"], "", "textarea"]
            self._form["fields"].append(self._textarea)
        elif tag == "select":
            self._select = [attrs["name"], None, "select"]
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select[1] in (None, "") or "selected" in attrs:
                self._select[1] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def post_forms(page_html: str, page_url: str) -> list[tuple[str, list[tuple[str, str, str]]]]:
    parser = _Forms()
    parser.feed(page_html)
    return [
        (urljoin(page_url, form["action"] or page_url), [(n, v or "", k) for n, v, k in form["fields"]])
        for form in parser.forms
        if form["method"] == "post"
    ]


def hostile(fields, character: str) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value, kind in fields:
        if name == "csrf_token":
            data.setdefault(name, []).append(value)
        elif kind in TEXT_TYPES or kind == "textarea" or (kind == "hidden" and name not in ("format",)):
            data.setdefault(name, []).append((value or "Budi Santoso") + character)
        else:
            data.setdefault(name, []).append(value)
    return data


def _records(app) -> dict[str, int]:
    """One record of every kind a URL names, in rtrw1's area, and the office accounts."""
    with app.app_context():
        make_user("admin", Role.ADMIN)
        make_user("staff1", Role.STAFF)
        head = make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        draft_list = make_list(head)
        entry = make_entry(draft_list, state=EntryState.DRAFT)
        person, membership = make_member("Siti Aminah", kelurahan_code=LETTE, rw=2)
        certificate = issue_certificate(membership, issued_by=None)
        job = PrintJob(document=PrintDocument.CARD, kelurahan_code=LETTE, rw=2, total=1)
        payment = Payment(paid_on=clock.today(), amount=1, order_number="SP2D-HOSTILE")
        db.session.add_all([job, payment])
        db.session.commit()
        # A case of the area with a document row (portal.cases): URLs with two ids.
        case = report_case_of(head, person)
        document = CaseDocument(case_id=case.id, type_id=checklist(case.kind)[0].id, storage_key="cases/hostile.png",
                                content_type="image/png", size=1, uploaded_by_id=head.id)
        db.session.add(document)
        db.session.commit()
        return {
            "case_id": case.id,
            "document_id": document.id,
            "type_id": document.type_id,
            "user_id": head.id,
            "list_id": draft_list.id,
            "entry_id": entry.id,
            "person_id": person.id,
            "membership_id": membership.id,
            "certificate_id": certificate.id,
            "job_id": job.id,
            "number": 1,
            "year": clock.today().year,
            "month": 5,
            "payment_id": payment.id,
            "bill_id": 1,
        }


OTHER_PARTS = {"document": "card", "file_format": "csv", "table": "kategori", "fmt": "csv"}


def _pages(app, ids) -> list[str]:
    """Every GET URL of the map whose parts this test can fill."""
    from flask import url_for

    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            values = {name: ids.get(name, OTHER_PARTS.get(name)) for name in rule.arguments}
            if None in values.values():
                continue
            urls.append(url_for(rule.endpoint, **values))
    return sorted(set(urls))


@pytest.mark.parametrize("character", [BEL, RLO], ids=["control", "bidi"])
def test_a_control_or_bidi_character_in_every_text_field_of_every_form_never_answers_500(app, character):
    ids = _records(app)
    pages = _pages(app, ids)
    sent = 0
    for username in ("rtrw1", "staff1", "admin", None):
        client = app.test_client()
        auth = AuthActions(client)
        if username:
            auth.login(username)
        for url in pages:
            page = client.get(url)
            assert page.status_code < 500, f"GET {url} as {username} answered {page.status_code}"
            if page.status_code != 200 or "html" not in page.content_type:
                continue
            for action, fields in post_forms(page.get_data(as_text=True), url):
                if action.endswith(SKIPPED_ACTIONS) or not action.startswith("/"):
                    continue
                response = client.post(action, data=hostile(fields, character))
                sent += 1
                assert response.status_code < 500, f"POST {action} (from {url}) as {username} answered {response.status_code}"
            if username and client.get("/beranda").status_code != 200:
                auth.login(username)
    assert sent >= 20


def _legacy_text(app) -> None:
    """Rows stored before the input rule: control characters straight in the database."""
    with app.app_context():
        make_user("staff1", Role.STAFF)
        head = make_user("rtrw1", Role.RT_RW)
        for name in ("Siti\x07 Aminah", "Budi\x1b Santoso", "\x0bAni Wijaya"):
            make_member(name, street="Jl. Ratulangi\x08 No. 5", occupation="Pedagang\x1f")
        waiting = make_list(head, title="Usulan\x07 RW 002\x0c")
        make_entry(waiting, state=EntryState.PENDING, full_name="Rudi\x02 Hartono", street="Jl.\x07 Cendrawasih")


def test_exports_answer_200_with_control_characters_already_stored(app, client, auth):
    _legacy_text(app)
    auth.login("staff1")
    assert post(client, "/bpjs/batch", {"file_format": "xlsx"}, page="/bpjs/").status_code == 302
    download = client.get("/bpjs/batch/1.xlsx")
    assert download.status_code == 200
    names = {row[1] for row in load_workbook(io.BytesIO(download.data)).active.iter_rows(min_row=2, values_only=True)}
    assert "Siti Aminah" in names
    text = client.get("/bpjs/batch/1.csv").data.decode("utf-8-sig")
    assert "\x07" not in text and "Siti Aminah" in {row[1] for row in csv.reader(io.StringIO(text))}
    for table in TABLES:
        for fmt in ("xlsx", "csv"):
            response = client.get(f"/laporan/ekspor/{table}.{fmt}")
            assert response.status_code == 200, f"{table}.{fmt} answered {response.status_code}"
            if fmt == "xlsx":
                load_workbook(io.BytesIO(response.data))


def _head_with_list(app) -> int:
    with app.app_context():
        head = make_user("rtrw1", Role.RT_RW)
        return make_list(head).id


def _typed_row(client, list_id: int, **values) -> tuple[int, str]:
    row = {"nik": new_nik(), "full_name": "Budi Santoso", "birth_date": "13/02/1985", "sex": "L", "rt": "1", "street": "Jl. Sungai Saddang 4", "category": "kader", **values}
    page = f"/daftar/{list_id}"
    response = client.post(f"/daftar/{list_id}/baris", data={"csrf_token": csrf_token(client, page), **row})
    return response.status_code, client.get(page).get_data(as_text=True) if response.status_code == 302 else response.get_data(as_text=True)


def test_a_typed_control_character_is_removed_before_the_row_is_stored(app, client, auth):
    list_id = _head_with_list(app)
    auth.login("rtrw1")
    status, _page = _typed_row(client, list_id, full_name="Budi\x07 Santoso", street="Jl.\x1b Sungai Saddang 4")
    assert status == 302
    with app.app_context():
        entry = db.session.scalar(db.select(ListEntry))
        assert (entry.full_name, entry.street) == ("Budi Santoso", "Jl. Sungai Saddang 4")


@pytest.mark.parametrize("field", ["full_name", "street"])
def test_a_bidi_control_in_a_typed_name_or_address_is_refused_with_a_message(app, client, auth, field):
    list_id = _head_with_list(app)
    auth.login("rtrw1")
    status, page = _typed_row(client, list_id, **{field: f"Budi {RLO}otnaS"})
    assert status == 400
    assert "pengatur arah tulisan" in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ListEntry)) == 0


def test_a_too_long_typed_name_is_refused_with_a_message_not_cut(app, client, auth):
    list_id = _head_with_list(app)
    auth.login("rtrw1")
    status, page = _typed_row(client, list_id, full_name="Budi " * 30)
    assert status == 400
    assert "paling banyak 120 karakter" in page


def test_an_uploaded_row_with_a_bidi_name_or_a_name_longer_than_its_column_is_an_error_of_that_row(app, client, auth):
    list_id = _head_with_list(app)
    auth.login("rtrw1")
    rows = [
        "NIK,Nama,Tanggal lahir,Jenis kelamin,RT,Alamat,Kategori",
        f"{new_nik()},Ani{BEL} Wijaya,13/02/1985,L,1,Jl. Baji Gau,kader",
        f"{new_nik()},Budi {RLO}otnaS,13/02/1985,L,1,Jl. Baji Gau,kader",
        f"{new_nik()},{'Nama Panjang ' * 12},13/02/1985,L,1,Jl. Baji Gau,kader",
    ]
    data = ("\n".join(rows) + "\n").encode()
    response = client.post(
        f"/daftar/{list_id}/unggah",
        data={"csrf_token": csrf_token(client, f"/daftar/{list_id}"), "spreadsheet": (io.BytesIO(data), "daftar.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code < 500
    with app.app_context():
        entries = {e.row_number: e for e in db.session.scalars(db.select(ListEntry))}
        assert entries[2].full_name == "Ani Wijaya" and not entries[2].errors
        assert {i["code"] for i in entries[3].issues} >= {"full_name_bidi"}
        assert RLO not in entries[3].full_name
        assert {i["code"] for i in entries[4].issues} >= {"full_name_too_long"}
        message = next(i["message"] for i in entries[4].issues if i["code"] == "full_name_too_long")
        assert "120" in message


def test_a_bidi_control_in_a_registry_correction_is_refused_with_a_message(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
        person, _membership = make_member("Siti Aminah")
        person_id = person.id
    auth.login("staff1")
    page = f"/anggota/{person_id}/koreksi"
    fields = dict((n, v) for n, v, _k in post_forms(client.get(page).get_data(as_text=True), page)[-1][1])
    fields.update(full_name=f"Siti {RLO}hanimA", reason="Salah ketik")
    response = client.post(page, data=fields)
    assert response.status_code == 200
    assert "pengatur arah tulisan" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Person, person_id).full_name == "Siti Aminah"


# -- NUL, at the edge ---------------------------------------------------------------------------


def test_nul_in_the_sign_in_form_answers_400_before_any_view(app, client):
    with app.app_context():
        make_user("rtrw1", Role.RT_RW)
    token = csrf_token(client, "/masuk")
    for data in ({"username": "rtrw1\x00", "password": "x"}, {"username": "rtrw1", "password": "a\x00b"}, {"user\x00name": "x"}):
        response = client.post("/masuk", data={"csrf_token": token, **data})
        assert response.status_code == 400
        assert "html" in response.content_type


def test_nul_in_a_query_string_path_or_header_answers_400(app, client, auth):
    with app.app_context():
        make_user("staff1", Role.STAFF)
    auth.login("staff1")
    assert client.get("/verifikasi/?kecamatan=73%0001").status_code == 400
    assert client.get("/anggota/?name=Budi%00").status_code == 400
    assert client.get("/v/abc%00def").status_code == 400
    assert client.get("/beranda", headers={"X-Request-ID": "a\x00b"}).status_code == 400


def test_nul_in_an_uploaded_file_name_answers_400(app, client, auth):
    list_id = _head_with_list(app)
    auth.login("rtrw1")
    response = client.post(
        f"/daftar/{list_id}/unggah",
        data={"csrf_token": csrf_token(client, f"/daftar/{list_id}"), "spreadsheet": (io.BytesIO(b"NIK,Nama\n"), "daftar\x00.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400


def test_nul_and_a_lone_surrogate_in_the_api_body_answer_json_400_without_the_value(app, client):
    from portal.api.services import create_api_key

    with app.app_context():
        _key, secret = create_api_key("hostile")
        db.session.commit()
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    for body in ('{"nik": "7371011302850003\\u0000", "name": "Budi"}', '{"nik": "\\ud800", "name": "Budi"}',
                 '{"nik": "7371011302850003", "name": "Bu\\udfffdi"}', '{"nik": "7371011302850003", "name": "Bu\\u0000di"}'):
        response = client.post("/api/v1/status", data=body, headers=headers)
        assert response.status_code == 400, body
        assert response.is_json and response.json["error"]["code"] == "invalid_body"
        assert "\\u" not in response.get_data(as_text=True) and "7371011302850003" not in response.get_data(as_text=True)


def test_json_nested_5000_deep_answers_json_400(app, client):
    from portal.api.services import create_api_key

    with app.app_context():
        _key, secret = create_api_key("hostile")
        db.session.commit()
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    for body in ("[" * 5000 + "]" * 5000, '{"nik": ' + '{"a": ' * 5000 + "1" + "}" * 5001, '{"nik": ' + "[" * 40 + "]" * 40 + "}"):
        response = client.post("/api/v1/status", data=body, headers=headers)
        assert response.status_code == 400
        assert response.is_json and response.json["error"]["code"] == "invalid_body"
        assert "dalam" in response.json["error"]["message"]
    # Without a key, the body is refused the same way: the edge runs before authentication.
    assert client.post("/api/v1/status", data="[" * 5000, headers={"Content-Type": "application/json"}).status_code == 400


# -- Huge ids and page numbers ------------------------------------------------------------------


def test_a_huge_id_answers_404_on_every_url_that_takes_an_integer(app, client, auth):
    ids = _records(app)
    auth.login("admin")
    token = csrf_token(client, "/")
    checked = 0
    urls = app.url_map.bind("localhost")
    for rule in app.url_map.iter_rules():
        integer_parts = [n for n, c in rule._converters.items() if isinstance(c, IntegerConverter)]
        if not integer_parts:
            continue
        for part in integer_parts:
            for huge in HUGE:
                values = {name: MARKER if name == part else ids.get(name, OTHER_PARTS.get(name)) for name in rule.arguments}
                path = urls.build(rule.endpoint, values).replace(str(MARKER), huge)
                for method in sorted(set(rule.methods) - {"HEAD", "OPTIONS"}):
                    response = client.open(path, method=method, data={"csrf_token": token} if method == "POST" else None)
                    assert response.status_code == 404, f"{method} {path[:80]} answered {response.status_code}"
                    checked += 1
    assert checked >= 25 * len(HUGE)


def test_huge_page_numbers_and_numeric_filters_are_clamped_or_ignored_never_500(app, client, auth):
    ids = _records(app)
    auth.login("admin")
    for huge in HUGE:
        for url in (
            f"/cetak/log?page={huge}",
            f"/daftar/{ids['list_id']}?halaman={huge}",
            f"/verifikasi/?daftar={huge}&rw={huge}&setelah={huge}",
            f"/anggota/?setelah={huge}&name=Budi",
            f"/laporan/?year={huge}",
            f"/statistik?year={huge}",
            f"/admin/pengguna?setelah={huge}",
        ):
            response = client.get(url)
            assert response.status_code in (200, 400, 404), f"{url[:80]} answered {response.status_code}"
    assert client.get(f"/laporan/bulanan.pdf?year={HUGE[1]}&month={HUGE[1]}").status_code in (200, 302, 400)


def test_huge_ticked_ids_in_a_bulk_approval_are_refused_with_a_message(app, client, auth):
    _records(app)
    auth.login("staff1")
    token = csrf_token(client, "/verifikasi/")
    for huge in HUGE:
        response = client.post("/verifikasi/massal", data={"csrf_token": token, "mode": "selected", "entry_ids": [huge], "daftar": huge, "rw": huge})
        assert response.status_code == 302
        assert "tidak tersedia" in client.get(response.headers["Location"]).get_data(as_text=True)
