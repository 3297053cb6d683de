"""Benchmark: what queuing the notifications adds to a bulk approval, and the sender's pace.

    .venv/bin/python bench/notifications.py --messages 10000 --send 1000 [--database-url URL]

Creates (and afterwards drops) its own PostgreSQL database (or a scratch SQLite file with
--database-url sqlite), migrated to head. Queuing: `--messages` approved members (transient
persons with consenting phones and memberships, as a bulk approval holds them in its session)
go through portal.notifications.events.members_approved, which queues one WhatsApp text and
one super-app webhook per 500 in the caller's transaction; timed from the call to its commit,
three times (each run's rows deleted after it). Sending: `--send` messages queued, then one
`send_pass` against a local HTTP endpoint answering as the WhatsApp Cloud API does, first
with the provider's rate set above the target (NOTIFY_RATE_PER_SECOND=80: the sender's own
pace) and then below it (20/s: the rate must hold). Writes bench/results/notifications.json
(see bench/recording.py). Issue 23's targets: queuing 10,000 notifications from a bulk
approval adds <= 2 s; the sender keeps 50 messages/s while respecting the provider's rate.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402

from portal import create_app  # noqa: E402
from portal.config import Config  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Membership, NotificationMessage, Person  # noqa: E402
from portal.notifications import events, outbox, sender, texts  # noqa: E402
from portal.notifications.outbox import Notice  # noqa: E402
from recording import BenchmarkRun, recreate_database  # noqa: E402


class WhatsAppStandIn(BaseHTTPRequestHandler):
    """Answers every message as the Cloud API accepts one."""

    protocol_version = "HTTP/1.1"  # keep-alive, as graph.facebook.com
    wbufsize = 1 << 16  # one write per answer: no Nagle wait between its headers and body

    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"messaging_product": "whatsapp", "messages": [{"id": "wamid.bench"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def bench_config(url: str, endpoint: str) -> type[Config]:
    return type("BenchConfig", (Config,), {
        "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "REDIS_URL": None, "NOTIFY_SEND_AFTER_COMMIT": False,
        "NOTIFY_WHATSAPP_BASE_URL": endpoint, "NOTIFY_WHATSAPP_PHONE_NUMBER_ID": "1", "NOTIFY_WHATSAPP_TOKEN": "bench",
        "NOTIFY_WEBHOOK_URL": endpoint + "/hook", "NOTIFY_WEBHOOK_SECRET": "bench",
        "NOTIFY_QUIET_START": "00:00", "NOTIFY_QUIET_END": "00:00", "NOTIFY_DAILY_CAP": 10**6, "PDF_PRELOAD": False,
    })


def approved_members(count: int) -> list[Membership]:
    """Memberships as a bulk approval holds them: each with its person, phone and consent."""
    memberships = []
    for n in range(count):
        person = Person(full_name=f"Anggota Bench {n}", phone=f"0812{n:08d}", phone_consent=True)
        memberships.append(Membership(number=f"MKS-2027-{n + 1:06d}", person=person, year=2027,
                                      starts_on=date(2027, 1, 1), ends_on=date(2027, 12, 31)))
    return memberships


def time_queuing(count: int) -> float:
    memberships = approved_members(count)
    started = time.perf_counter()
    queued = events.members_approved(memberships)
    db.session.commit()
    elapsed = time.perf_counter() - started
    assert queued == count + -(-count // outbox.WEBHOOK_CHANGES_MAX), queued
    db.session.execute(db.delete(NotificationMessage))
    db.session.commit()
    return elapsed


def time_sending(app, count: int, rate: float) -> tuple[float, int]:
    app.config["NOTIFY_RATE_PER_SECOND"] = rate
    notices = [Notice(f"62812{n:08d}", {"first_name": "Andi", "starts_on": date(2027, 1, 1), "link": "http://portal/"}) for n in range(count)]
    outbox.queue_phone(texts.MEMBER_APPROVED, notices)
    db.session.commit()
    started = time.perf_counter()
    report = sender.send_pass()
    elapsed = time.perf_counter() - started
    db.session.execute(db.delete(NotificationMessage))
    db.session.commit()
    return elapsed, report.counts.get("sent", 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000, help="approved members whose notifications are queued")
    parser.add_argument("--send", type=int, default=1000, help="messages each sending run delivers")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/portal_bench_notifications")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    postgres = args.database_url.startswith("postgresql")
    url = args.database_url.replace("postgresql://", "postgresql+psycopg://") if postgres else \
        f"sqlite:///{tempfile.mkdtemp()}/notifications.db"
    if postgres:
        recreate_database(args.database_url)
    server = ThreadingHTTPServer(("127.0.0.1", 0), WhatsAppStandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app = create_app(bench_config(url, f"http://127.0.0.1:{server.server_address[1]}"))
    try:
        with app.app_context():
            upgrade()
            run = BenchmarkRun(
                "notifications",
                dataset={"description": f"{args.messages:,} approved members; {args.send:,} messages sent per run",
                         "database": "postgresql" if postgres else "sqlite", "messages": args.messages, "send": args.send},
                method="events.members_approved then commit, 3 runs (median); send_pass against a local WhatsApp stand-in",
                database_url=args.database_url,
            )
            run.start()
            queuing = [time_queuing(args.messages) for _ in range(3)]
            fast_seconds, fast_sent = time_sending(app, args.send, 80)
            slow_seconds, slow_sent = time_sending(app, args.send // 4, 20)
            fast_rate, slow_rate = fast_sent / fast_seconds, slow_sent / slow_seconds
            run.table("Queuing", "run", [("seconds", "added to the approval", "s", 2)],
                      [{"label": str(n + 1), "seconds": s} for n, s in enumerate(queuing)], {"label": "median", "seconds": statistics.median(queuing)})
            run.table("Sending", "provider rate", [("sent", "sent", "", 0), ("rate", "messages/s", "/s", 1)],
                      [{"label": "80/s", "sent": fast_sent, "rate": fast_rate}, {"label": "20/s", "sent": slow_sent, "rate": slow_rate}])
            run.verdict("queuing", {"added to a bulk approval": statistics.median(queuing)},
                        f"{statistics.median(queuing):.2f} s for {args.messages:,} members",
                        scale={"messages": args.messages})
            run.verdict("sending", {"messages per second": fast_rate, "over the provider's rate": slow_rate / 20},
                        f"{fast_rate:.0f}/s at a provider rate of 80/s; {slow_rate:.1f}/s at 20/s", scale={"messages": args.messages})
            run.note("Each member queues one row (the WhatsApp text); the super-app hears of 500 memberships per webhook row.")
            run.write()
            print(f"queuing {args.messages}: {queuing}; sending {fast_rate:.1f}/s (rate 80), {slow_rate:.1f}/s (rate 20)")
            for engine in db.engines.values():
                engine.dispose()
    finally:
        server.shutdown()
        if postgres and not args.keep:
            recreate_database(args.database_url, create=False)


if __name__ == "__main__":
    main()
