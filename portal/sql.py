"""Look-ups of many keys at once (a batch of 2,000 NIKs), written so they stay cheap to send.

A 2,000-value IN list is 2,000 bound parameters: SQLAlchemy renders each and psycopg parses
the 50,000-character statement again every time (it caches only short ones), about 50 ms a
statement. A psycopg array parameter is one parameter, but psycopg quotes its 2,000 values
one by one in Python (15 ms). So on PostgreSQL the values travel as one text, joined by a
separator they cannot contain, which the server splits (`string_to_array`): a short statement
psycopg caches and one string to send. Elsewhere (SQLite) the values stay an IN list.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import String, any_, bindparam, func
from sqlalchemy.dialects.postgresql import ARRAY

from portal.extensions import db

SEPARATOR = ","


def on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def value_array(values: Iterable, type_=None):
    """The values as one PostgreSQL array expression of `type_` (text when None): joined into
    one text parameter when none contains the separator (NIKs, dates, canonical names never
    do), else a psycopg array parameter. PostgreSQL only."""
    values = list(values)
    texts = [str(value) for value in values]
    # Text stays text: a cast to VARCHAR(16)[] would cut a longer key to 16 characters, and
    # the cut key would match. A text key still meets a VARCHAR column's index.
    textual = type_ is None or isinstance(type_, String)
    if all(text and SEPARATOR not in text for text in texts):
        split = func.string_to_array(bindparam(None, SEPARATOR.join(texts), type_=String), SEPARATOR, type_=ARRAY(String))
        return split if textual else split.cast(ARRAY(type_))
    return bindparam(None, values, type_=ARRAY(String() if textual else type_))


def one_of(column, values: Iterable):
    """`column IN values`: on PostgreSQL one parameter (`= ANY(...)`, see the module's text),
    elsewhere an IN list."""
    values = list(values)
    if on_postgresql():
        return column == any_(value_array(values, column.type))
    return column.in_(values)
