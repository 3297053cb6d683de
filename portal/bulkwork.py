"""Python's cyclic garbage collector while a big file is read and checked.

The collector walks every tracked object the process holds now and then; reading and checking
a 50,000-row file keeps a million of them alive (the read table, the findings, the app), so
each full collection took 200 ms and all of them a quarter of a CLI dry run's CPU (3 s of
13 s, 2026-12-03; `gc.freeze` of what existed before still left 2 s). `collector_paused`
switches it off for the work: objects are still freed the moment nothing refers to them
(reference counting); only reference cycles wait for the end of the block, and the checking
makes few (the peak memory of the dry run stayed 235 MB). The switch is the process's: where an
import runs in a web process's worker thread, the requests served meanwhile leave their cycles
for the end of the import too (seconds, not a leak), and the collector comes back on only when
the block that switched it off ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block without cyclic garbage collections (reference counting goes on)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
