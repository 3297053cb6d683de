"""Throttling sign-in guesses without letting anyone lock the owner out.

Each step of signing in (the password at /masuk, the code at /masuk/kode) counts only its
own failures, with Flask-Limiter, three ways:

- per client address, whatever the account (LOGIN_LIMIT_PER_ADDRESS): firm;
- per account and address (LOGIN_LIMIT_PER_USERNAME_AND_ADDRESS): one guesser at one
  account, waiting longer as failures add up (the limits have several windows);
- per account from every address (LOGIN_LIMIT_PER_USERNAME), applied only to addresses
  that have already failed on that account. A spread-out attack soon leaves each new
  address one try at the account, yet an address that has not failed on it (the owner at
  work, or on mobile data) is never refused: so no one can lock the owner out.

This is what OWASP ASVS 5.0 (6.1.1, 6.3.1) and NIST SP 800-63B (5.2.2) ask: failed attempts
on an account are limited without handing an attacker a denial of service on its owner.
The owner is told of the failures at the next sign-in (services.note_login).
"""

from __future__ import annotations

from typing import Callable

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from limits import parse_many

from portal.extensions import limiter

STEPS = ("password", "code")


def _config(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def _pair_scope(step: str) -> str:
    return f"sign-in-{step}-pair"


def _pair_key(account: str) -> str:
    return f"{account}@{get_remote_address()}"


def _pair_counters(step: str, account: str):
    """The pair limit's counters as Flask-Limiter names them: [key prefix,] key, scope."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    identifiers = [_pair_key(account), _pair_scope(step)]
    if prefix:
        identifiers.insert(0, prefix)
    for item in parse_many(current_app.config["LOGIN_LIMIT_PER_USERNAME_AND_ADDRESS"]):
        yield item, identifiers


def _failed(_response) -> bool:
    return bool(g.get("sign_in_failed"))


def note_failure() -> None:
    """This request was a failed attempt: the step's limits count it."""
    g.sign_in_failed = True


def account_key(username: str) -> str:
    """How the limits name the account a request tries to sign in to."""
    return "account:" + username.strip().lower()[:64]


def limit_failures(step: str, account: Callable[[], str]):
    """Flask-Limiter limits on one step's failed attempts (see the module docstring).

    `account` names the account the request tries (account_key); the view calls
    note_failure() when the attempt fails.
    """

    def pair() -> str:
        return _pair_key(account())

    def not_failed_here() -> bool:
        if request.method != "POST":
            return True
        stats = limiter.limiter.get_window_stats
        return all(stats(item, *ids).remaining == item.amount for item, ids in _pair_counters(step, account()))

    limits = (
        limiter.limit(
            _config("LOGIN_LIMIT_PER_USERNAME"),
            key_func=account,
            exempt_when=not_failed_here,
            methods=["POST"],
            deduct_when=_failed,
        ),
        limiter.shared_limit(
            _config("LOGIN_LIMIT_PER_USERNAME_AND_ADDRESS"),
            scope=_pair_scope(step),
            key_func=pair,
            methods=["POST"],
            deduct_when=_failed,
        ),
        limiter.limit(_config("LOGIN_LIMIT_PER_ADDRESS"), methods=["POST"], deduct_when=_failed),
    )

    def decorate(view):
        for limit in limits:
            view = limit(view)
        return view

    return decorate


def forget_failures(username: str) -> None:
    """The owner signed in from this address: its earlier failures on the account no
    longer make it an address the account limit refuses."""
    if not limiter.enabled:  # RATELIMIT_ENABLED=0 (benchmarks): no counters to clear
        return
    try:
        for step in STEPS:
            for item, identifiers in _pair_counters(step, account_key(username)):
                limiter.limiter.clear(item, *identifiers)
    except Exception:  # the limiter's storage is away: a cleanup can wait, the sign-in cannot
        current_app.logger.warning("Could not clear sign-in failure counters", exc_info=True)
