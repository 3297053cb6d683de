import pytest

from tests.notifications.helpers import ProviderServer


@pytest.fixture
def provider():
    """A local provider endpoint; the test sets its answers."""
    server = ProviderServer().start()
    yield server
    server.stop()


QUIET_OFF = {"NOTIFY_QUIET_START": "00:00", "NOTIFY_QUIET_END": "00:00", "NOTIFY_RETRY_SECONDS": 0}


@pytest.fixture
def notify_app(app_factory):
    """An app whose tests choose their channel; quiet hours off unless a test sets them."""
    from portal.extensions import db
    from portal.seed.reference import seed_reference

    def factory(**overrides):
        app = app_factory(**{**QUIET_OFF, **overrides})
        with app.app_context():
            seed_reference()
            db.session.commit()
        return app

    return factory
