"""Request desk fixtures: the reference data (regions, categories) every request needs."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.seed.reference import seed_reference


@pytest.fixture
def app(app_factory, tmp_path):
    app = app_factory(STORAGE_DIR=str(tmp_path / "storage"))
    with app.app_context():
        seed_reference()
        db.session.commit()
    return app
