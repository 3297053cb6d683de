"""Notifications: an outbox written with the change that causes each message, delivered in the
background through one of several channels (WhatsApp, SMS, the super-app's webhook, or the
development log), with retries, a dead-letter list, consent, STOP, quiet hours and a daily cap.
See docs/notifications.md."""
