"""The demo's notifier: ``twspulse notify`` in a thread, sending to a local receiver that counts what it gets.

So the demo shows the last hop too (alerts topic -> notifier -> Alertmanager and a person's chat), without
sending anything off the machine. The local receiver answers both protocols the notifier speaks: Alertmanager's
``POST /api/v2/alerts`` and a Slack-compatible webhook. Receivers configured in the settings (TWSPULSE_NOTIFY_*)
get the same messages as the local one (a configured Alertmanager replaces the local one).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import structlog
from pydantic import SecretStr

from twspulse.settings import Settings
from twspulse.streams.notify.notifier import Notifier, run_notifier

log = structlog.get_logger(__name__)

# The head of the notifier's Slack-compatible message: "[FIRING] critical job_failed on <subject>: ..."
_HEAD = re.compile(r"^\[(?P<state>[A-Z]+)\] \S+ (?P<kind>[a-z_]+) on ")


@dataclass
class Received:
    """What the demo webhook was sent: per (state, kind) the messages, and per kind the firing ones that carry a
    root cause."""

    by_state_kind: Counter[tuple[str, str]] = field(default_factory=Counter)
    with_root_cause: Counter[str] = field(default_factory=Counter)
    unreadable: int = 0
    alertmanager: Counter[str] = field(default_factory=Counter)  # alerts posted to the Alertmanager API, by alertname

    def add_alertmanager(self, body: bytes) -> None:
        try:
            alerts = json.loads(body)
            names = [str(a["labels"]["alertname"]) for a in alerts]
        except (ValueError, TypeError, KeyError):
            self.unreadable += 1
            return
        self.alertmanager.update(names)

    def add(self, body: bytes) -> None:
        try:
            message: dict[str, Any] = json.loads(body)
            head = _HEAD.match(str(message.get("text", "")))
        except (ValueError, AttributeError):  # not JSON (or not UTF-8), or not an object
            head = None
        if head is None:
            self.unreadable += 1
            return
        state, kind = head["state"].lower(), head["kind"]
        self.by_state_kind[(state, kind)] += 1
        blocks = message.get("blocks") or []
        texts = [
            str(b["text"].get("text", "")) for b in blocks if isinstance(b, dict) and isinstance(b.get("text"), dict)
        ]
        if state == "firing" and any(t.startswith("Root cause:") for t in texts):
            self.with_root_cause[kind] += 1

    @property
    def total(self) -> int:
        return sum(self.by_state_kind.values()) + self.unreadable

    def render(self) -> str:
        """One line for the demo summary."""
        if not self.total:
            return "notifications: none reached the demo webhook"
        parts = []
        for state in ("firing", "resolved"):
            kinds = sorted((k, n) for (s, k), n in self.by_state_kind.items() if s == state)
            if kinds:
                parts.append(f"{state}: " + ", ".join(f"{k} {n}" for k, n in kinds))
        causes = self.with_root_cause.get("job_failed", 0)
        posted = sum(self.alertmanager.values())
        return (
            f"notifications: {self.total} messages to the demo webhook ({'; '.join(parts) or 'none readable'}); "
            f"{causes} job_failed messages carry the root cause; {posted} alert states posted to the demo Alertmanager"
        )


class DemoWebhook:
    """A Slack-compatible webhook on 127.0.0.1 that answers 200 and counts the messages."""

    def __init__(self) -> None:
        self.received = Received()
        self._lock = threading.Lock()
        self.last_at = 0.0  # monotonic time of the last message
        hook = self

        class _Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with hook._lock:
                    if self.path == "/api/v2/alerts":
                        hook.received.add_alertmanager(body)
                    else:
                        hook.received.add(body)
                    hook.last_at = time.monotonic()
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's name)
                return  # the notifier logs its deliveries

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="demo-webhook", daemon=True)
        self._thread.start()
        self.base_url = f"http://127.0.0.1:{self._server.server_port}"
        self.url = f"{self.base_url}/demo-hook"  # the webhook; Alertmanager's API is under base_url

    def quiet_for(self) -> float | None:
        """Seconds since the last message; None before the first."""
        with self._lock:
            return time.monotonic() - self.last_at if self.last_at else None

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class DemoNotifier:
    """The notifier in a thread, sending to the demo webhook (and to the receivers the settings name)."""

    def __init__(self, settings: Settings, bootstrap: str):
        self.webhook = DemoWebhook()
        configured = settings.notify_webhook_urls.get_secret_value() if settings.notify_webhook_urls else ""
        urls = ",".join(u for u in (configured, self.webhook.url) if u)
        alertmanager = settings.notify_alertmanager_url or self.webhook.base_url
        settings = settings.model_copy(
            update={"notify_webhook_urls": SecretStr(urls), "notify_alertmanager_url": alertmanager}
        )
        self._stop = threading.Event()
        self._ready: list[Notifier] = []
        self._failed: list[BaseException] = []

        def run() -> None:
            try:
                run_notifier(settings, bootstrap, self._stop, on_ready=self._ready.append)
            except Exception as exc:  # reported by the demo's summary: the demo goes on without notifications
                log.exception("demo.notifier_failed")
                self._failed.append(exc)

        self._thread = threading.Thread(target=run, name="demo-notifier", daemon=True)
        self._thread.start()

    def settle(self, quiet_s: float = 5.0, timeout_s: float = 60.0) -> Received:
        """Wait until no message came for ``quiet_s`` (the alerts topic is drained), at most ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self._thread.is_alive():
            quiet = self.webhook.quiet_for()
            if quiet is not None and quiet >= quiet_s:
                break
            time.sleep(0.5)
        return self.webhook.received

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)
        self.webhook.stop()

    @property
    def failed(self) -> BaseException | None:
        return self._failed[0] if self._failed else None
