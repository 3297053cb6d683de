"""Waking the sender after a commit that queued messages: a job on the RQ queue `flask worker`
serves (REDIS_URL), or a pass on the app's own notification thread otherwise.

Messages that wait (retries, quiet hours, the daily cap) are sent by the next pass; in
production `flask notifications send --loop` runs as a service so they never wait for one.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.notifications.outbox import QUEUED_IN_SESSION

logger = logging.getLogger(__name__)


def send_job(_unused: int = 0) -> None:
    """One sending pass (the RQ job and the local thread's work)."""
    from portal.notifications.sender import send_pass

    report = send_pass()
    if report.total:
        logger.info("notifications pass: %s", report.counts)


def wake_sender(app: Flask) -> None:
    """Ask for a sending pass soon: RQ when REDIS_URL is set, else the local thread (one
    pass waiting at most: wake-ups during a pass coalesce into the next)."""
    if app.config["REDIS_URL"]:
        from portal.renewal.jobs import start_background

        with app.app_context():
            start_background(send_job, 0, "notification pass")
        return
    state = app.extensions.setdefault("notification_sender", {"lock": threading.Lock(), "waiting": False})
    with state["lock"]:
        if state["waiting"]:
            return
        state["waiting"] = True
    executor = state.get("executor") or state.setdefault(
        "executor", ThreadPoolExecutor(max_workers=1, thread_name_prefix="notifications"))
    executor.submit(_local_pass, app, state)


def _local_pass(app: Flask, state: dict) -> None:
    with state["lock"]:
        state["waiting"] = False
    with app.app_context():
        try:
            send_job()
        except Exception as error:  # noqa: BLE001 - the rows keep their state; the next pass retries
            logger.error("notifications pass failed: %s", type(error).__name__)


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    """A commit that queued messages wakes the sender (NOTIFY_SEND_AFTER_COMMIT)."""
    if not session.info.pop(QUEUED_IN_SESSION, False):
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return
    if app.config["NOTIFY_SEND_AFTER_COMMIT"]:
        wake_sender(app)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(QUEUED_IN_SESSION, None)
