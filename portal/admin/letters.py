"""Activation letters: one A4 page per person with how to sign in, the username and a fresh one-time code."""

from __future__ import annotations

from flask import current_app, url_for

from portal import audit, clock
from portal.accounts import activation
from portal.admin.forms import ROLE_CHOICES
from portal.extensions import db
from portal.help.services import help_settings
from portal.models import AccountBatch, User
from portal.pdf import render_pdf

LETTER_STYLESHEET = "css/activation-letters.css"


def part_size() -> int:
    return max(1, current_app.config["ACTIVATION_LETTERS_PER_PDF"])


def parts(waiting: int) -> list[tuple[int, int, int]]:
    """(part, first, last) letters of a batch's accounts awaiting activation, one PDF each."""
    size = part_size()
    return [(n + 1, start + 1, min(start + size, waiting)) for n, start in enumerate(range(0, waiting, size))]


def part_users(batch: AccountBatch, part: int) -> list[User]:
    """The accounts of one part: awaiting activation, by username."""
    size = part_size()
    query = (
        db.select(User)
        .where(User.account_batch_id == batch.id, User.activated_at.is_(None), User.active.is_(True))
        .order_by(User.username)
        .limit(size)
        .offset((part - 1) * size)
    )
    return list(db.session.scalars(query))


def print_letters(users: list[User], actor: User, *, batch: AccountBatch | None = None, part: int | None = None) -> bytes:
    """Issue new codes for `users` and render their letters; audited (the caller commits)."""
    codes = activation.issue_codes(users)
    people = [user for user in users if user.id in codes]
    base = current_app.config["BASE_URL"]
    pdf = render_pdf(
        "admin/pdf/activation_letters.html",
        stylesheet=LETTER_STYLESHEET,
        letters=[{"user": user, "code": codes[user.id]} for user in people],
        role_labels=dict(ROLE_CHOICES),
        activation_url=base + url_for("accounts.activate"),
        login_url=base + url_for("accounts.login"),
        portal_url=base,
        office=help_settings(),
        printed_on=clock.today(),
    )
    if batch is not None:
        batch.letters_printed_at = clock.now()
        audit.record("account_batch.letters_printed", "account_batch", batch.id, actor=actor, part=part, letters=len(people))
    audit.record_many(
        [{"action": "user.activation_letter", "target_type": "user", "target_id": user.id, "details": {"username": user.username}} for user in people],
        actor=actor,
    )
    return pdf
