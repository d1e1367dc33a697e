"""The suppression list: numbers that must get no direct marketing, after any erasure.

Honouring an objection (Art. 21(3)) outlives the erasure of everything else about the
customer: a marketing tool that re-imports an old list must still drop their number. The
list keeps the minimum for that (Art. 17(3)(b)): an HMAC-SHA256 of the E.164 number under
`DSAR_SUPPRESSION_KEY`, the channel and the date. Never the number: without the key the
hashes say nothing, and the key lives in the environment, not in the database.

- `record()` adds a number (the suppression job calls it, in its finishing transaction);
- `check()` answers for numbers written any way a list writes them (phonenumbers);
- `new_client()`, `authenticate()`: the client systems that may ask, one token each, only
  its SHA-256 kept.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dsar import audit
from dsar.models import Suppression, SuppressionClient
from verification.phone import normalise_stored

TOKEN_PREFIX = "sup_"  # noqa: S105 - a marker, not a secret
# Numbers per check: a list of any length is checked in pieces of this size.
MAX_NUMBERS = 1000
MAX_INPUT = 40


def digest(e164: str) -> str:
    """HMAC-SHA256 (hex) of an E.164 number under the suppression key."""
    key = settings.DSAR_SUPPRESSION_KEY.encode()
    return hmac.new(key, e164.encode(), hashlib.sha256).hexdigest()


def record(*, number: str, channel: str, reason: str, since: date) -> tuple[Suppression, bool]:
    """Put an E.164 number on the list for `channel` ("all", "whatsapp", "sms") from `since`.
    Returns (entry, created); an entry already there keeps its first date. Runs inside the
    caller's transaction. No inverse: only a new consent, given by the customer, could
    lift it, and that is the marketing tool's record, not ours."""
    entry, created = Suppression.objects.get_or_create(
        digest=digest(number),
        channel=channel,
        defaults={"reason": reason, "since": since},
    )
    return entry, created


@dataclass(frozen=True)
class Result:
    """One checked number: `given` as the list wrote it; `suppressed` for the channel asked
    (a number suppressed on every channel is suppressed on each); `error` for a row that is
    no phone number (then `suppressed` is None)."""

    given: str
    suppressed: bool | None
    channels: tuple[str, ...] = ()
    since: date | None = None
    error: str = ""

    def to_dict(self) -> dict:
        if self.error:
            return {"number": self.given, "error": self.error}
        return {
            "number": self.given,
            "suppressed": self.suppressed,
            "channels": list(self.channels),
            "since": self.since.isoformat() if self.since else None,
        }


def check(
    numbers: Iterable[str], *, channel: str = "all", region: str | None = None
) -> list[Result]:
    """Whether each number is suppressed for `channel` ("all": on any channel), in the
    order given. Numbers are read as a list writes them (national, international, with
    spaces or dashes) with `region` (DSAR_COUNTRY) for those without a country code.
    Raises ValueError for an unknown channel. Reads only."""
    if channel not in Suppression.Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    given = [str(n) if n is not None else "" for n in numbers]
    parsed = {}
    for raw in given:
        e164 = normalise_stored(raw.strip()[:MAX_INPUT], region=region) if raw.strip() else None
        if e164:
            parsed[raw] = e164
    by_digest = {digest(e): e for e in set(parsed.values())}
    found: dict[str, list[Suppression]] = {}
    hashes = list(by_digest)
    for start in range(0, len(hashes), MAX_NUMBERS):
        for entry in Suppression.objects.filter(digest__in=hashes[start : start + MAX_NUMBERS]):
            found.setdefault(by_digest[entry.digest], []).append(entry)
    results = []
    for raw in given:
        e164 = parsed.get(raw)
        if e164 is None:
            results.append(Result(given=raw, suppressed=None, error="not a phone number"))
            continue
        entries = found.get(e164, [])
        hits = [e for e in entries if channel == "all" or e.channel in ("all", channel)]
        results.append(
            Result(
                given=raw,
                suppressed=bool(hits),
                channels=tuple(sorted({e.channel for e in entries})),
                since=min((e.since for e in hits), default=None),
            )
        )
    return results


# --- the client systems ---------------------------------------------------------------------


def _token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def new_client(*, name: str, restrictions: bool = False) -> tuple[SuppressionClient, str]:
    """Create a client system, or give an existing one a new token (the old one stops
    working). Returns (client, token): the token is shown once and never stored.
    Inverse: `revoke_client()`."""
    secret = secrets.token_urlsafe(32)
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secret}"
    client, created = SuppressionClient.objects.update_or_create(
        name=name,
        defaults={
            "prefix": prefix,
            "token_sha256": _token_sha256(token),
            "active": True,
            "restrictions": restrictions,
        },
    )
    audit.record(
        None,
        "dsar.suppression.client_token_issued",
        data={
            "client": client.pk,
            "prefix": prefix,
            "created": created,
            "restrictions": restrictions,
        },
    )
    return client, token


@transaction.atomic
def revoke_client(*, name: str) -> bool:
    """Switch a client system off: its token no longer works. Returns False when unknown.
    Inverse: `new_client()` with the same name (a new token)."""
    client = SuppressionClient.objects.filter(name=name, active=True).first()
    if client is None:
        return False
    SuppressionClient.objects.filter(pk=client.pk).update(active=False)
    audit.record(None, "dsar.suppression.client_revoked", data={"client": client.pk})
    return True


def authenticate(token: str) -> SuppressionClient | None:
    """The active client system the token belongs to, or None. Compares hashes only."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    client = SuppressionClient.objects.filter(token_sha256=_token_sha256(token)).first()
    if client is None or not client.active:
        return None
    # SECURITY: the lookup was by hash; compare again in constant time all the same.
    if not hmac.compare_digest(client.token_sha256, _token_sha256(token)):
        return None
    SuppressionClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return client
