"""Speed-ups for the test run only: the same results, with less repeated work and waiting.

Every test builds its own app (create_app), and ~90 % of create_app's ~100 ms went into
Werkzeug generating and compiling the Python source of each URL rule's builders (about
120 rules, two builders each, through the ast module). The builder's code depends only on the rule's text, its
parsed parts and its defaults, which are the same in every app, so the compiled function
is kept and reused by every later app of the worker. Werkzeug's own code builds it the
first time, so a change of Werkzeug's output shows at once; if Werkzeug renames the
method, nothing is patched and the tests only run slower.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing.rules import Rule

_original_compile_builder = getattr(Rule, "_compile_builder", None)
_builders: dict[tuple, object] = {}


def _compile_builder_once(self: Rule, append_unknown: bool = True):
    defaults = self.defaults or {}
    dynamic = {data for is_dynamic, data in self._trace if is_dynamic}
    key = (
        self.rule,
        tuple(self._trace),
        append_unknown,
        tuple(str(name) for name in defaults),
        tuple((name, self._converters[name].to_url(value)) for name, value in defaults.items() if name in dynamic),
    )
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _original_compile_builder(self, append_unknown)
    return builder


def _sqlite_without_fsync(dbapi_connection, connection_record) -> None:
    """A test's SQLite file need not survive a crash of the machine: no fsync per commit
    (~7 ms each here, ~0.6 ms without). The PostgreSQL test databases do the same with
    synchronous_commit = off (tests/databases.py)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous = OFF")


def install() -> None:
    if _original_compile_builder is not None:
        Rule._compile_builder = _compile_builder_once
    if not event.contains(Engine, "connect", _sqlite_without_fsync):
        event.listen(Engine, "connect", _sqlite_without_fsync)
