"""The receivers: Alertmanager's API v2 and Slack-compatible webhooks, one HTTP POST per alert change.

A receiver only builds its payload and says what the answer means (``errors``): 2xx delivered, 429/5xx or
no answer worth a retry, any other status refused for good. Retrying and dead-lettering are the notifier's.
A receiver's ``name`` is what logs and dead letters show: a webhook URL usually carries its token, so only
its host is named.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from twspulse.events import Alert
from twspulse.retry_after import retry_after
from twspulse.streams.notify.errors import DeliveryRefused, DeliveryUnavailable

ALERTMANAGER_PATH = "/api/v2/alerts"
SLACK_TEXT_MAX = 2900  # Slack cuts a section's text at 3000 characters
ANNOTATION_MAX = 4000


class Receiver(Protocol):
    """Something an alert change is sent to."""

    name: str

    def send(self, alert: Alert) -> None:
        """Deliver one alert change; raises ``DeliveryRefused`` or ``DeliveryUnavailable``."""


def post_json(client: httpx.Client, name: str, url: str, payload: Any) -> None:
    """POST ``payload`` as JSON and classify the answer (see the module docstring)."""
    try:
        response = client.post(url, json=payload)
    except httpx.TransportError as exc:  # refused connection, DNS, timeouts, a connection cut mid-answer
        raise DeliveryUnavailable(name, f"{type(exc).__name__}: {exc}") from exc
    if response.is_success:
        return
    if response.status_code == 429 or response.status_code >= 500:
        raise DeliveryUnavailable(
            name, f"HTTP {response.status_code}: {response.text[:300]}", retry_after(response.headers)
        )
    raise DeliveryRefused(name, response.status_code, response.text)


def root_cause(alert: Alert) -> str | None:
    """The annotator's root cause, once the alert was enriched with one."""
    annotation = alert.evidence.get("annotation")
    if isinstance(annotation, dict) and isinstance(annotation.get("root_cause"), str):
        return str(annotation["root_cause"])
    return None


def confidence_note(alert: Alert) -> str | None:
    """How sure the annotation is, and what operators recorded about earlier ones of its pattern."""
    annotation = alert.evidence.get("annotation")
    if not isinstance(annotation, dict) or not isinstance(annotation.get("confidence"), int | float):
        return None
    note = f"confidence {annotation['confidence']:.2f}"
    record = annotation.get("track_record")
    if isinstance(record, dict):
        basis = str(record.get("basis", "pattern")).split(" ")[0]
        if record.get("corrected_from"):  # the category is the operators' word (models/annotate/track_record.py)
            note += (f" (category as operators recorded for run {record.get('operator_run')} of this {basis}, "
                     f"{record.get('confirmed', 0)} word(s) for it and {record.get('refuted', 0)} against; the "
                     f"engine said {record['corrected_from']})")  # fmt: skip
        else:
            note += (f" (operators confirmed {record.get('confirmed', 0)}, refuted {record.get('refuted', 0)} "
                     f"earlier annotations of this {basis})")  # fmt: skip
    return note


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


class AlertmanagerReceiver:
    """Alertmanager's ``POST /api/v2/alerts``: silences, grouping, inhibition and routing stay Alertmanager's.

    Labels identify the alert (``alert_id`` among them, so an alert that fires anew after it resolved is a new
    Alertmanager alert); a resolved change is sent with ``endsAt`` = when it resolved, which resolves it. A firing
    one is sent with ``endsAt`` ``firing_hold`` ahead: without it Alertmanager would resolve the alert on its own
    after its ``resolve_timeout`` (5 minutes by default), as it expects clients to re-send active alerts.
    """

    def __init__(
        self,
        client: httpx.Client,
        base_url: str,
        firing_hold: timedelta,
        generator_url: str | None = None,
    ):
        self.name = f"alertmanager {urlsplit(base_url).netloc}"
        self._client = client
        self._url = base_url.rstrip("/") + ALERTMANAGER_PATH
        self._hold = firing_hold
        self._generator_url = generator_url

    def payload(self, alert: Alert, now: datetime | None = None) -> list[dict[str, Any]]:
        """The request body: a list with this one alert."""
        now = now or datetime.now(UTC)
        annotations = {
            "summary": alert.summary,
            "count": str(alert.count),
            "first_seen": _iso(alert.first_seen),
            "last_seen": _iso(alert.last_seen),
            "evidence": json.dumps(alert.evidence, default=str, sort_keys=True)[:ANNOTATION_MAX],
        }
        cause = root_cause(alert)
        if cause:
            annotations["root_cause"] = cause
        if note := confidence_note(alert):
            annotations["root_cause_confidence"] = note
        ends = alert.time if alert.state == "resolved" else max(now, alert.time) + self._hold
        body: dict[str, Any] = {
            "labels": {
                "alertname": alert.kind,
                "severity": alert.severity,
                "subject": alert.subject,
                "dedup_key": alert.dedup_key,
                "alert_id": alert.alert_id,
                "source": "twspulse",
            },
            "annotations": annotations,
            "startsAt": _iso(alert.first_seen),
            "endsAt": _iso(ends),
        }
        if self._generator_url:
            body["generatorURL"] = self._generator_url
        return [body]

    def send(self, alert: Alert) -> None:
        """POST the alert change."""
        post_json(self._client, self.name, self._url, self.payload(alert))


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SLACK_TEXT_MAX]}}


class WebhookReceiver:
    """A generic webhook (Slack incoming webhooks, Mattermost, Teams' Slack-compatible ones, chat bridges):
    ``{"text": ..., "blocks": [...]}``; receivers that know no blocks read ``text``."""

    def __init__(self, client: httpx.Client, url: str, index: int = 0):
        self.name = f"webhook[{index}] {urlsplit(url).hostname or '?'}"
        self._client = client
        self._url = url

    @staticmethod
    def payload(alert: Alert) -> dict[str, Any]:
        """The Slack-compatible message of an alert change."""
        head = f"[{alert.state.upper()}] {alert.severity} {alert.kind} on {alert.subject}"
        text = f"{head}: {alert.summary}"[:SLACK_TEXT_MAX]
        cause = root_cause(alert)
        facts = [f"first seen {_iso(alert.first_seen)}", f"seen {alert.count}x", f"alert {alert.alert_id}"]
        blocks: list[dict[str, Any]] = [_section(f"*{head}*\n{alert.summary}")]
        if cause:
            note = confidence_note(alert)
            blocks.append(_section(f"Root cause: {cause}" + (f"\n_{note}_" if note else "")))
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(facts)}]})
        return {"text": text, "blocks": blocks}

    def send(self, alert: Alert) -> None:
        """POST the message."""
        post_json(self._client, self.name, self._url, self.payload(alert))
