"""A local HTTP server speaking a provider's API for the channel tests, and outbox helpers."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from portal.extensions import db
from portal.models import NotificationMessage


@dataclass
class Seen:
    """One request the provider received."""

    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)

    def form(self) -> dict:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class ProviderServer:
    """Answers each request with the next of `answers` ((status, JSON or text, headers)), the
    last one repeated; `answer` may instead be a function of the request (a receiver)."""

    answers: list = field(default_factory=lambda: [(200, {}, {})])
    answer: object = None
    seen: list[Seen] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)  # time.monotonic() of each request

    def start(self) -> ProviderServer:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Seen(self.command, parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()},
                               {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                provider.seen.append(request)
                provider.arrivals.append(time.monotonic())
                if provider.answer is not None:
                    status, body, headers = provider.answer(request)
                else:
                    status, body, headers = provider.answers[min(len(provider.seen), len(provider.answers)) - 1]
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def messages(**filters) -> list[NotificationMessage]:
    """The outbox's messages, oldest first (optionally filtered by column values)."""
    return list(db.session.scalars(db.select(NotificationMessage).filter_by(**filters).order_by(NotificationMessage.id)))
