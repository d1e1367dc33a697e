"""Message gateways: the one way a message leaves the portal.

Every gateway implements `MessageGateway.send()`. The body text is rendered by the caller
from `templates/messages/<kind>.txt` in the customer's language; template channels
(WhatsApp) use `params` instead, because business-initiated WhatsApp messages must use
pre-approved templates.

- `console`: prints the message (local development; codes appear in the terminal).
- `file`: appends one JSON line per message to `MESSAGING_FILE` (local testing).
- `locmem`: keeps messages in `outbox` (the test suite).
- `whatsapp`, `sms`: HTTP providers, see `verification.http_gateways`.
"""

from __future__ import annotations

import json
import sys
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one E.164 number.

    `kind` names the template (`verification-code`, `request-received`, ...), `text` is
    the rendered body for text channels and `params` the values a template channel fills in.
    """

    to: str
    kind: str
    language: str
    text: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    """What a gateway reports after handing a message over: who took it and its id there."""

    gateway: str
    provider_id: str


class GatewayError(Exception):
    """A message could not be handed over. `message` is safe to log: no personal data."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TemporaryFailure(GatewayError):
    """Worth retrying later (network trouble, provider 5xx or 429)."""


class PermanentFailure(GatewayError):
    """Retrying will not help (bad credentials, rejected number, 4xx)."""


class NotOnChannel(PermanentFailure):
    """The number is not reachable on this channel (for example not on WhatsApp)."""


class MessageGateway:
    """Base class: `send()` hands one message to the channel or raises a `GatewayError`.

    Gateways do no retrying across calls; the Celery task that calls them retries
    `TemporaryFailure` with back-off. HTTP gateways may retry within one call.
    """

    name = "base"

    def send(self, message: OutgoingMessage) -> Delivery:
        raise NotImplementedError


def _new_id() -> str:
    return get_random_string(16)


class ConsoleGateway(MessageGateway):
    """Prints each message to standard output: for `make run`, never in production."""

    name = "console"

    def send(self, message: OutgoingMessage) -> Delivery:
        sys.stdout.write(
            f"\n----- {message.kind} to {message.to} ({message.language}) -----\n"
            f"{message.text}\n-----\n"
        )
        sys.stdout.flush()
        return Delivery(gateway=self.name, provider_id=_new_id())


class FileGateway(MessageGateway):
    """Appends one JSON line per message to `MESSAGING_FILE`: for local and browser tests."""

    name = "file"
    _lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> Delivery:
        path = Path(settings.MESSAGING_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        delivery = Delivery(gateway=self.name, provider_id=_new_id())
        line = json.dumps(
            {**asdict(message), "id": delivery.provider_id, "at": timezone.now().isoformat()},
            ensure_ascii=False,
        )
        with self._lock, path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
        return delivery


# The locmem gateway's outbox, like django.core.mail.outbox; tests clear it.
outbox: list[OutgoingMessage] = []


class LocmemGateway(MessageGateway):
    """Keeps messages in `verification.gateways.outbox`: for the test suite."""

    name = "locmem"

    def send(self, message: OutgoingMessage) -> Delivery:
        outbox.append(message)
        return Delivery(gateway=self.name, provider_id=_new_id())


GATEWAYS = {
    "console": "verification.gateways.ConsoleGateway",
    "file": "verification.gateways.FileGateway",
    "locmem": "verification.gateways.LocmemGateway",
    "whatsapp": "verification.http_gateways.WhatsAppGateway",
    "sms": "verification.http_gateways.SmsGateway",
}


def get_gateway(name: str | None = None) -> MessageGateway:
    """The configured gateway (`MESSAGING_GATEWAY`), or the one named."""
    name = name or settings.MESSAGING_GATEWAY
    try:
        path = GATEWAYS[name]
    except KeyError:
        raise GatewayError(f"Unknown messaging gateway {name!r}") from None
    return import_string(path)()
