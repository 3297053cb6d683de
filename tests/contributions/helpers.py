"""Helpers of the contribution tests: signing in and reading a CSV download back."""

from __future__ import annotations

import csv
import io

from portal.models import Role
from tests.factories import make_user


def staff_signed_in(app, auth, username: str = "staff1", role: Role = Role.STAFF) -> None:
    with app.app_context():
        make_user(username, role)
    auth.login(username)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"), newline="")))
