"""Flask extensions, created unbound here and bound to the app in create_app."""

from functools import cached_property

from flask import g
from flask_babel import Babel, Domain
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# The bind key of the autocommit engine (portal/__init__.py): db.engines[READS].
READS = "reads"


class RequestDomain(Domain):
    """Flask-Babel's message domain, finding a request's translations once, not per string.

    For every string Flask-Babel looks up its request state, the domain, the locale and the
    locale's name again: about ten context-local reads. A Cek Status answer translates some
    twenty strings, and those reads were a tenth of the portal's hottest path. The
    translations found are kept in the request's Babel state with the locale they were
    found for, so `force_locale` (which sets another locale object) still takes effect.
    """

    def get_translations(self):
        try:
            state = g._flask_babel
        except (AttributeError, RuntimeError):  # before Babel's first use in this context, or outside one
            return super().get_translations()
        kept = getattr(state, "portal_translations", None)
        locale = getattr(state, "babel_locale", None)
        if kept is not None and locale is not None and kept[0] is self and kept[1] is locale:
            return kept[2]
        translations = super().get_translations()  # also settles state.babel_locale
        state.portal_translations = (self, getattr(state, "babel_locale", None), translations)
        return translations


class PortalBabel(Babel):
    """Flask-Babel with the request-cached domain, for Python strings and templates alike."""

    @cached_property
    def domain_instance(self) -> RequestDomain:
        return RequestDomain(domain=self.domain)

    def init_app(self, app, *args, **kwargs):
        super().init_app(app, *args, **kwargs)
        # Flask-Babel's template callables look the domain up for every string too.
        translations = lambda: self.domain_instance.get_translations()  # noqa: E731
        app.jinja_env.install_gettext_callables(
            gettext=lambda s: translations().ugettext(s),
            ngettext=lambda s, p, n: translations().ungettext(s, p, n),
            pgettext=lambda c, s: translations().upgettext(c, s),
            npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
            newstyle=True,
        )


babel = PortalBabel()
cache = Cache()
htmx = Htmx()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
