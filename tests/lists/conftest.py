"""Fixtures for the member-list tests: a signed-in RT/RW head with an empty list."""

from __future__ import annotations

import pytest

from portal.models import Role
from tests.conftest import csrf_token
from tests.factories import LETTE, make_list, make_user


class ListPages:
    """What a head does on a list's pages, as a browser would send it."""

    def __init__(self, client, list_id: int):
        self.client = client
        self.list_id = list_id
        self.url = f"/daftar/{list_id}"

    def token(self) -> str:
        return csrf_token(self.client, self.url)

    def upload(self, data: bytes, filename: str, **kwargs):
        import io

        return self.client.post(
            f"{self.url}/unggah",
            data={"csrf_token": self.token(), "spreadsheet": (io.BytesIO(data), filename)},
            content_type="multipart/form-data",
            **kwargs,
        )

    def post(self, path: str, data: dict | None = None, **kwargs):
        return self.client.post(f"{self.url}{path}", data={"csrf_token": self.token(), **(data or {})}, **kwargs)


@pytest.fixture
def head(app, client, auth):
    """rtrw1, head of Lette RW 002, signed in, with one empty list."""
    with app.app_context():
        user = make_user("rtrw1", Role.RT_RW, kelurahan_code=LETTE, rw=2)
        list_id = make_list(user, title="Usulan RW 002").id
    auth.login("rtrw1")
    return ListPages(client, list_id)
