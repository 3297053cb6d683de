"""Look-ups of many keys at once (a batch of 2,000 NIKs), written so they stay cheap to send.

A 2,000-value IN list is 2,000 bound parameters: SQLAlchemy renders each and psycopg parses
the 50,000-character statement again every time (it caches only short ones), about 50 ms a
statement. A psycopg array parameter is one parameter, but psycopg quotes its 2,000 values
one by one in Python (15 ms). So on PostgreSQL the values travel as one text, joined by a
separator they cannot contain, which the server splits (`string_to_array`): a short statement
psycopg caches and one string to send. Elsewhere (SQLite) the values stay an IN list.
Also `city_day`: the Makassar day of a stored moment on both databases.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Date, String, any_, bindparam, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from portal.clock import CITY_TIMEZONE
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


class city_day(FunctionElement):  # noqa: N801 - used like a SQL function
    """The Makassar calendar day (portal.clock) of a stored UTC moment, in SQL, for GROUP BY:
    PostgreSQL converts with the zone's rules, SQLite (naive UTC text) adds the zone's fixed
    offset (Asia/Makassar keeps UTC+8 all year, no daylight saving)."""

    type = Date()
    inherit_cache = True


@compiles(city_day, "postgresql")
def _city_day_postgresql(element, compiler, **kw):
    (moment,) = element.clauses
    return f"CAST(({compiler.process(moment, **kw)} AT TIME ZONE '{CITY_TIMEZONE.key}') AS DATE)"


@compiles(city_day)
def _city_day_default(element, compiler, **kw):
    (moment,) = element.clauses
    hours = int(CITY_TIMEZONE.utcoffset(datetime(2000, 1, 1)).total_seconds() // 3600)
    return f"date({compiler.process(moment, **kw)}, '{hours:+d} hours')"
