"""Fixtures for printing: stored files go to a temporary folder (local backend); a signed-in staff member."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import Role
from portal.seed.reference import seed_reference
from tests.factories import make_user


@pytest.fixture
def print_config(tmp_path) -> dict:
    # Rendering in the job's own process keeps most tests fast; test_batch covers the pool.
    return {"STORAGE_DIR": str(tmp_path / "storage"), "PRINT_RENDER_PROCESSES": 0}


@pytest.fixture
def app(app_factory, print_config):
    app = app_factory(**print_config)
    with app.app_context():
        seed_reference()
        db.session.commit()
    return app


@pytest.fixture
def staff(app, auth):
    """A signed-in labour-office staff member (the test client carries the session)."""
    with app.app_context():
        make_user("petugas", Role.STAFF)
    auth.login("petugas")
    return auth.client
