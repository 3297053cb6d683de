"""The outbox's pages: the staff view (figures, dead letters, the development channel), the
retry button, the providers' reply endpoints (STOP), and the help page's stop form.

URLs carry message ids only; phone numbers travel in POST bodies and are never shown whole.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from portal import audit
from portal.access import office_required
from portal.extensions import csrf, db, limiter
from portal.forms import CsrfOnlyForm, form_errors
from portal.hx import render
from portal.models import MessageState
from portal.notifications import recipients, sender, services
from portal.notifications.forms import StopMessagesForm

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def _stop_form_context() -> dict:
    # A function: only the help page, which shows the stop form, builds one.
    return {"stop_form": StopMessagesForm}


@bp.get("/notifikasi/")
@office_required
def index():
    """Messages per day and channel, the dead-letter list and the development channel's messages."""
    return render(
        "notifications/index.html",
        figures=services.daily_figures(), states=services.state_counts(), dead=services.needing_staff(),
        development=services.development_messages(), retry_form=CsrfOnlyForm(), MessageState=MessageState,
        masked=recipients.masked,
    )


@bp.post("/notifikasi/<int:message_id>/ulang")
@office_required
def retry(message_id: int):
    """Put a dead or failed message back in the queue."""
    message = services.get_message(message_id) or abort(404)
    form = CsrfOnlyForm()
    if not form.validate_on_submit():
        flash(form_errors(form), "error")
    elif sender.retry(message):
        audit.record("notification.retry", "notification_message", message.id, person_id=message.person_id)
        db.session.commit()
        flash(_("Pesan dikirim ulang."), "success")
    else:
        flash(_("Pesan ini tidak gagal; tidak ada yang diubah."), "warning")
    return redirect(url_for("notifications.index"))


def _stop_from_reply(phone: str | None, text: str | None) -> None:
    if recipients.is_stop_word(text) and phone and recipients.stop(phone, "reply"):
        audit.record("notification.stop", "notification_opt_out", source="reply")
        db.session.commit()


@bp.get("/notifikasi/balasan/whatsapp")
def whatsapp_verify():
    """Meta's subscription check of the reply webhook: echo the challenge for our token."""
    token = current_app.config["NOTIFY_WHATSAPP_VERIFY_TOKEN"]
    if not token or request.args.get("hub.mode") != "subscribe" or not hmac.compare_digest(request.args.get("hub.verify_token", ""), token):
        abort(404)
    return request.args.get("hub.challenge", ""), 200, {"Content-Type": "text/plain"}


@bp.post("/notifikasi/balasan/whatsapp")
@csrf.exempt  # Meta signs the body instead (X-Hub-Signature-256)
def whatsapp_reply():
    """Replies to our WhatsApp messages: "STOP" or "BERHENTI" stops messages to that number."""
    secret = current_app.config["NOTIFY_WHATSAPP_APP_SECRET"]
    if not secret:
        abort(404)
    expected = "sha256=" + hmac.new(secret.encode(), request.get_data(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(request.headers.get("X-Hub-Signature-256", ""), expected):
        abort(403)
    data = request.get_json(silent=True) or {}
    for entry in data.get("entry") or []:
        for change in (entry or {}).get("changes") or []:
            for message in ((change or {}).get("value") or {}).get("messages") or []:
                if isinstance(message, dict) and message.get("type") == "text":
                    _stop_from_reply(str(message.get("from") or ""), (message.get("text") or {}).get("body"))
    return "", 200


@bp.post("/notifikasi/balasan/sms")
@csrf.exempt  # the gateway authenticates with the shared token instead
def sms_reply():
    """Replies the SMS gateway forwards: "STOP" or "BERHENTI" stops messages to that number."""
    token = current_app.config["NOTIFY_SMS_INBOUND_TOKEN"]
    if not token:
        abort(404)
    if not hmac.compare_digest(request.args.get("token", ""), token):
        abort(403)
    config = current_app.config
    _stop_from_reply(request.values.get(config["NOTIFY_SMS_INBOUND_FROM"]), request.values.get(config["NOTIFY_SMS_INBOUND_TEXT"]))
    return "", 200


@bp.route("/bantuan/berhenti-pesan", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["NOTIFY_STOP_LIMIT_PER_ADDRESS"], methods=["POST"])
def stop_messages():
    """Stop WhatsApp and SMS messages from the portal to a number."""
    form = StopMessagesForm()
    if form.validate_on_submit():
        recipients.stop(form.phone.data, "help")
        audit.record("notification.stop", "notification_opt_out", source="help")
        db.session.commit()
        flash(_("Nomor itu tidak akan menerima pesan dari portal lagi."), "success")
        return redirect(url_for("notifications.stop_messages"))
    return render("notifications/stop.html", form=form)
