"""Sending and tracking requests through the public pages, as a phone without JavaScript does."""

from __future__ import annotations

import re

from portal.models import RequestKind
from portal.public_requests.public_routes import SLUGS
from tests.conftest import csrf_token
from tests.factories import LETTE

CODE = re.compile(r"data-tracking-code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<")
DESCRIPTION = "Kartu peserta saya belum sampai sejak bulan Oktober, sudah tanya ketua RT."


def form_url(kind: RequestKind) -> str:
    return f"/permintaan/{SLUGS[kind]}"


def valid_fields(kind: RequestKind, *, nik: str | None = None, name: str = "Siti Aminah") -> dict:
    """What a requester fills in for this kind (all that the form asks, nothing more)."""
    data = {"kelurahan": LETTE, "rw": "2", "rt": "1", "description": DESCRIPTION, "requester_phone": "0812 3456 7890"}
    if kind != RequestKind.OTHER:
        data |= {"subject_nik": nik or "", "subject_name": name}
    if kind not in (RequestKind.REJECTED, RequestKind.DATA_WRONG, RequestKind.CARD_MISSING, RequestKind.PERSONAL_DATA):
        data["requester_name"] = "Rahmawati"
    if kind == RequestKind.PERSONAL_DATA:
        data["data_action"] = "see"
    if kind == RequestKind.DATA_WRONG:
        data |= {"correct_full_name": "Sitti Aminah", "correct_birth_date": "17/05/1980"}
    return data


def send(client, kind: RequestKind, fields: dict, *, address: str = "127.0.0.1", files: dict | None = None):
    """POST the kind's form with a CSRF token from its page (following the redirect to the
    confirmation, as a browser does)."""
    token = csrf_token(client, form_url(kind))
    return client.post(form_url(kind), data={**fields, **(files or {}), "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address}, content_type="multipart/form-data",
                       follow_redirects=True)


def code_of(response) -> str:
    match = CODE.search(response.get_data(as_text=True))
    assert match, "no tracking code on the page"
    return match.group(1)


def track(client, code: str, nik: str = "", *, address: str = "127.0.0.1"):
    return client.post("/permintaan/lacak", data={"code": code, "nik": nik}, environ_base={"REMOTE_ADDR": address})
