"""The append-only, hash-chained audit trail.

Each event's hash covers its own content and the previous event's hash, so changing or
removing any event breaks every link after it; `verify_chain()` finds the first break.
Events hold ids, codes and categories, never personal values.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from dsar.models import AuditEvent, DataRequest

GENESIS = "0" * 64


def _digest(
    *,
    prev_hash: str,
    seq: int,
    action: str,
    request_id: int | None,
    actor_kind: str,
    actor_id: int | None,
    data: dict,
    created_at: str,
) -> str:
    payload = json.dumps(
        [prev_hash, seq, action, request_id, actor_kind, actor_id, data, created_at],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def record(
    data_request: DataRequest | None,
    action: str,
    *,
    actor: Any = None,
    actor_kind: str | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """Append one event. Call inside the transaction of the change it records.

    `actor` is a staff user or None; `actor_kind` defaults to staff when there is an
    actor and to system otherwise. Appends take turns (`_lock_chain`); one that still
    takes a sequence number already used fails on the unique constraint and is retried
    on a savepoint.
    """
    kind = actor_kind or (AuditEvent.ActorKind.STAFF if actor else AuditEvent.ActorKind.SYSTEM)
    data = json.loads(json.dumps(data or {}, default=str))
    _lock_chain()
    for attempt in range(5):
        last = AuditEvent.objects.order_by("-seq").first()
        seq = (last.seq + 1) if last else 1
        prev_hash = last.hash if last else GENESIS
        now = timezone.now()
        event = AuditEvent(
            seq=seq,
            data_request=data_request,
            action=action,
            actor_kind=kind,
            actor=actor if actor else None,
            data=data,
            created_at=now,
            prev_hash=prev_hash,
        )
        event.hash = _digest(
            prev_hash=prev_hash,
            seq=seq,
            action=action,
            request_id=data_request.pk if data_request else None,
            actor_kind=kind,
            actor_id=actor.pk if actor else None,
            data=data,
            created_at=now.isoformat(),
        )
        try:
            with transaction.atomic():
                event.save()
        except IntegrityError:
            if attempt == 4:
                raise
            continue
        return event
    raise AssertionError("unreachable")


# Any fixed 64-bit number; the same in every process that appends.
CHAIN_LOCK = int.from_bytes(hashlib.sha256(b"dsar_auditevent").digest()[:8], "big", signed=True)


def _lock_chain() -> None:
    # SECURITY: the application's database role may only SELECT and INSERT on the trail
    # (`manage.py grant_app_role`), so it cannot lock the newest event with SELECT … FOR
    # UPDATE, which needs UPDATE. Appends take a transaction-scoped advisory lock instead,
    # held until the change they record commits; the newest event is read after it, so two
    # appends never read the same one. SQLite's IMMEDIATE transactions already take turns.
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_seq: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Walk the trail in order and report the first event whose link or hash is wrong."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    qs = AuditEvent.objects.order_by("seq").values_list(
        "seq",
        "action",
        "data_request_id",
        "actor_kind",
        "actor_id",
        "data",
        "created_at",
        "prev_hash",
        "hash",
    )
    for (
        seq,
        action,
        request_id,
        kind,
        actor_id,
        data,
        created_at,
        stored_prev,
        stored,
    ) in qs.iterator(chunk_size=batch_size):
        if seq != expected_seq:
            return ChainReport(checked, expected_seq, "an event is missing")
        if stored_prev != prev_hash:
            return ChainReport(checked, seq, "the link to the previous event is broken")
        digest = _digest(
            prev_hash=stored_prev,
            seq=seq,
            action=action,
            request_id=request_id,
            actor_kind=kind,
            actor_id=actor_id,
            data=data,
            created_at=created_at.isoformat(),
        )
        if digest != stored:
            return ChainReport(checked, seq, "the event was changed")
        prev_hash, expected_seq, checked = stored, seq + 1, checked + 1
    return ChainReport(checked, None)
