"""Forms shared by several features."""

from flask_wtf import FlaskForm


class CsrfOnlyForm(FlaskForm):
    """An empty form for bare POST buttons (logout, language switch, confirmations)."""
