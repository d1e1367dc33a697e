"""The suppression-list endpoint for client systems (marketing tools): JSON, a token per
system, rate-limited. It answers whether numbers may get direct marketing; it never
returns a number it was not sent, nor anything else about a customer."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from dsar import audit, restriction, suppression
from dsar.models import Suppression
from verification import services as verification
from verification.ip import client_ip

# Wrong tokens per hour per client address before the endpoint stops answering it.
BAD_TOKENS_PER_HOUR = 20


def _error(message: str, status: int, **headers) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _token(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _checked_call(request: HttpRequest, bucket: str, *, restrictions: bool = False):
    """(client, body, None) for an authenticated call within its rate with a well-formed
    body {"numbers": [...], ...}; otherwise (None, None, the error response)."""
    client = suppression.authenticate(_token(request))
    # SECURITY: a client may ask the register of restrictions only if it was let.
    if client is not None and restrictions and not client.restrictions:
        return None, None, _error("This client may not check restrictions.", 403)
    if client is None:
        # SECURITY: guessing tokens is slowed per address (the token has 256 bits anyway).
        allowed = verification.take_token(
            "sup-bad-token",
            client_ip(request),
            capacity=BAD_TOKENS_PER_HOUR,
            per_seconds=3600,
        )
        if not allowed:
            return (
                None,
                None,
                _error("Too many wrong tokens; try again later.", 429, Retry_After="3600"),
            )
        return None, None, _error("A valid token is needed: Authorization: Bearer <token>.", 401)
    if not verification.take_token(
        bucket,
        str(client.pk),
        capacity=settings.DSAR_SUPPRESSION_API_RATE,
        per_seconds=60,
    ):
        return None, None, _error("Too many checks; slow down.", 429, Retry_After="60")
    try:
        body = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return None, None, _error("The body must be JSON.", 400)
    numbers = body.get("numbers") if isinstance(body, dict) else None
    if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
        return None, None, _error('"numbers" must be a list of strings.', 400)
    if not numbers or len(numbers) > suppression.MAX_NUMBERS:
        return None, None, _error(f"Send 1 to {suppression.MAX_NUMBERS} numbers at a time.", 400)
    return client, body, None


# SECURITY: no cookies, no session: a bearer token per client system, so no CSRF to guard.
@csrf_exempt
@never_cache
@require_POST
def suppression_check(request: HttpRequest) -> JsonResponse:
    """POST {"numbers": ["06 12345678", …], "channel": "all|whatsapp|sms"} with
    `Authorization: Bearer <token>` → {"channel": …, "results": [{"number", "suppressed",
    "channels", "since"} or {"number", "error"}, …]} in the order sent."""
    client, body, refused = _checked_call(request, "sup-api")
    if refused:
        return refused
    channel = body.get("channel", "all")
    if channel not in Suppression.Channel.values:
        return _error('"channel" must be one of all, whatsapp, sms.', 400)
    results = suppression.check(body["numbers"], channel=channel)
    with transaction.atomic():
        audit.record(
            None,
            "dsar.suppression.checked",
            data={
                "client": client.pk,
                "numbers": len(results),
                "suppressed": sum(1 for r in results if r.suppressed),
            },
        )
    return JsonResponse({"channel": channel, "results": [r.to_dict() for r in results]})


@csrf_exempt
@never_cache
@require_POST
def restriction_check(request: HttpRequest) -> JsonResponse:
    """POST {"numbers": ["06 12345678", …]} with `Authorization: Bearer <token>` of a client
    allowed to check restrictions → {"results": [{"number", "restricted", "since"} or
    {"number", "error"}, …]} in the order sent (Art. 18: restricted data is only stored)."""
    client, body, refused = _checked_call(request, "res-api", restrictions=True)
    if refused:
        return refused
    results = restriction.check(body["numbers"])
    with transaction.atomic():
        audit.record(
            None,
            "dsar.restriction.checked",
            data={
                "client": client.pk,
                "numbers": len(results),
                "restricted": sum(1 for r in results if r.restricted),
            },
        )
    return JsonResponse({"results": [r.to_dict() for r in results]})
