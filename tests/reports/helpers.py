"""Reading the reports back the way a user would: the CSV download of a table."""

from __future__ import annotations

import csv
import io

MAMAJANG_KELURAHAN = "7371021001"  # Sambung Jawa, Mamajang (737102)


def csv_table(client, table: str, **filters) -> list[list[str]]:
    response = client.get(f"/laporan/ekspor/{table}.csv", query_string=filters)
    assert response.status_code == 200, response.status_code
    text = response.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))[1:]


def members_column(rows: list[list[str]]) -> dict[str, int]:
    """{row label: members} of a coverage table (the last row is the total)."""
    return {row[0]: int(row[1]) for row in rows}
