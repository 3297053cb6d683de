"""Data-subject reports (UU PDP) and retention of personal data."""
