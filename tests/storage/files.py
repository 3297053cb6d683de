"""Test helpers for stored files: make one look older than it is, on either backend."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from flask import current_app

from portal.extensions import db
from portal.models import StoredFile


def age_stored_file(key: str, by: timedelta) -> None:
    """Move a stored file's time back by `by` (inside an app context), as if stored earlier."""
    if current_app.config["STORAGE_BACKEND"] == "database":
        stored = db.session.scalar(db.select(StoredFile).where(StoredFile.key == key))
        stored.created_at = stored.created_at - by
        db.session.commit()
    else:
        path = Path(current_app.config["STORAGE_DIR"]) / key
        earlier = path.stat().st_mtime - by.total_seconds()
        os.utime(path, (earlier, earlier))
