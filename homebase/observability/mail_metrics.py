"""Mail delivery metrics: how many mails went out, were deferred, or were given up."""

from __future__ import annotations

from typing import Literal

from prometheus_client import Counter

MAIL_DELIVERIES = Counter(
    "homebase_mail_deliveries",
    "Mail delivery attempts from the outbox, by result (sent, retry, failed)",
    ["result"],
)


def observe_delivery(result: Literal["sent", "retry", "failed"]) -> None:
    MAIL_DELIVERIES.labels(result=result).inc()
