"""HTTP message gateways: the WhatsApp Business Cloud API (falling back to SMS) and Twilio SMS.

Both hand one message to the provider with one POST, retried within the call on
provider trouble (5xx, 429, connection errors, timeouts), at most `MAX_ATTEMPTS` times.
Everything they raise is a `GatewayError` whose message is safe to log: it names the
provider, the HTTP status and the provider's numeric error code, never the phone number,
the code or a credential. Provider error texts are not copied either, because Twilio's
echo the number ("The 'To' number +31... is not a valid phone number").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from django.conf import settings
from django.utils import timezone

from verification.gateways import (
    Delivery,
    MessageGateway,
    NotOnChannel,
    OutgoingMessage,
    PermanentFailure,
    TemporaryFailure,
)

logger = logging.getLogger(__name__)

# Attempts within one send(); the Celery task retries TemporaryFailure later with its own
# back-off, so a send stays short: at most 0.5 + 1 s of back-off, or two Retry-After waits.
MAX_ATTEMPTS = 3
BACKOFF = 0.5
# A longer Retry-After ends the send at once: the task's retry waits instead of a worker.
MAX_RETRY_AFTER = 5.0

# Cloud API error codes meaning "this number cannot be reached on WhatsApp", from Meta's
# error code reference (developers.facebook.com/documentation/business-messaging/whatsapp/
# support/error-codes, as mirrored in docs.ycloud.com .../handle-whatsapp-errors):
# - 131026 Message Undeliverable: "the recipient phone number is not a WhatsApp phone
#   number", or the recipient has not accepted the terms or runs an outdated client.
# - 131030 Recipient phone number not in allowed list: test numbers only send to their
#   recipient list (github.com/Neurotech-HQ/heyoo/issues/40 shows the response: HTTP 400,
#   "error": {"code": 131030, "error_subcode": 2655007, ...}).
# Code 100 (Invalid parameter) can also mean "not a WhatsApp number" but equally a bug in
# our payload, so it stays a plain PermanentFailure.
WHATSAPP_NOT_ON_CHANNEL = {131026, 131030}

# The notice template's body parameters {{1}}, {{2}}, in this order. Every notice kind
# shares one approved template ("Update on your request {{1}}: {{2}}").
NOTICE_PARAMS = ("reference", "link")


class _HttpGateway(MessageGateway):
    """Base for HTTP providers: POST with timeouts and bounded retries.

    `_post()` returns a 2xx response or raises: `TemporaryFailure` once 5xx, 429,
    connection errors or timeouts outlast `MAX_ATTEMPTS` (or a Retry-After asks for more
    than `MAX_RETRY_AFTER` seconds); `PermanentFailure` at once on any other 4xx (via
    `_refused()`, which subclasses refine). A request retried after a read timeout may
    deliver a message twice: the same code twice, or a notice twice, which we accept
    over not delivering it.

    `sleep` is injectable so tests record the waits instead of sleeping.
    """

    label = "provider"

    def __init__(self, *, sleep: Callable[[float], None] | None = None) -> None:
        self.sleep = sleep or time.sleep

    def _post(self, url: str, **kwargs: Any) -> requests.Response:
        timeout = (settings.MESSAGING_TIMEOUT, settings.MESSAGING_TIMEOUT)  # connect, read
        with requests.Session() as session:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                try:
                    response = session.post(url, timeout=timeout, **kwargs)
                except (requests.ConnectionError, requests.Timeout) as e:
                    problem, wait = type(e).__name__, _backoff(attempt)
                except requests.RequestException as e:
                    # A malformed URL or the like: configuration, not weather.
                    raise PermanentFailure(
                        f"{self.label}: request failed ({type(e).__name__})"
                    ) from None
                else:
                    if response.status_code < 400:
                        return response
                    if response.status_code != 429 and response.status_code < 500:
                        raise self._refused(response)
                    problem = f"HTTP {response.status_code}"
                    wait = _retry_after(response, attempt)
                    if wait is None:
                        break
                if attempt < MAX_ATTEMPTS:
                    self.sleep(wait)
        raise TemporaryFailure(f"{self.label}: not sent after {attempt} attempt(s), last {problem}")

    def _refused(self, response: requests.Response) -> PermanentFailure:
        return PermanentFailure(f"{self.label}: refused with HTTP {response.status_code}")


def _backoff(attempt: int) -> float:
    return BACKOFF * 2 ** (attempt - 1)


def _retry_after(response: requests.Response, attempt: int) -> float | None:
    """Seconds to wait before the next attempt, or None when the provider asks too much."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return _backoff(attempt)
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - timezone.now()).total_seconds()
        except (TypeError, ValueError):
            return _backoff(attempt)
    seconds = max(seconds, 0.0)
    return seconds if seconds <= MAX_RETRY_AFTER else None


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class SmsGateway(_HttpGateway):
    """Sends `message.text` as an SMS through Twilio's Messages API.

    POST {SMS_API_URL}/Accounts/{SMS_ACCOUNT_SID}/Messages.json, HTTP basic auth
    (account SID, auth token), form fields To (E.164 with "+"), From, Body. Returns a
    `Delivery` whose `provider_id` is the message SID. Raises `TemporaryFailure` after
    retries on 5xx/429/network trouble and `PermanentFailure` on other 4xx (bad
    credentials, invalid number, ...), with Twilio's numeric error code in the message.
    """

    name = "sms"
    label = "sms"

    @staticmethod
    def configured() -> bool:
        return bool(settings.SMS_ACCOUNT_SID and settings.SMS_AUTH_TOKEN and settings.SMS_FROM)

    def send(self, message: OutgoingMessage) -> Delivery:
        url = (
            f"{settings.SMS_API_URL.rstrip('/')}/Accounts/{settings.SMS_ACCOUNT_SID}/Messages.json"
        )
        response = self._post(
            url,
            auth=(settings.SMS_ACCOUNT_SID, settings.SMS_AUTH_TOKEN),
            data={"To": message.to, "From": settings.SMS_FROM, "Body": message.text},
        )
        sid = _json(response).get("sid")
        if not isinstance(sid, str) or not sid:
            # It was probably sent; retrying could send it again.
            raise PermanentFailure(f"sms: HTTP {response.status_code} without a message sid")
        return Delivery(gateway=self.name, provider_id=sid)

    def _refused(self, response: requests.Response) -> PermanentFailure:
        code = _json(response).get("code")
        return PermanentFailure(
            f"sms: refused with HTTP {response.status_code}, Twilio error {_safe_code(code)}"
        )


class WhatsAppGateway(_HttpGateway):
    """Sends a pre-approved template through the WhatsApp Business Cloud API, else SMS.

    POST {WHATSAPP_API_URL}/{WHATSAPP_PHONE_NUMBER_ID}/messages with a Bearer token.
    `verification-code` uses the authentication template `WHATSAPP_OTP_TEMPLATE`, the
    code going in both the body and the copy-code/one-tap URL button as Meta documents;
    every other kind uses `WHATSAPP_NOTICE_TEMPLATE` with the body parameters
    `NOTICE_PARAMS` (reference, link). The template language is `message.language`.

    Raises `TemporaryFailure` after retries on 5xx/429/network trouble and
    `PermanentFailure` on other 4xx, with Meta's numeric error code in the message.
    When Meta answers that the number is not on WhatsApp (`WHATSAPP_NOT_ON_CHANNEL`), the
    same message goes out through `SmsGateway` and its `Delivery` (gateway "sms") is
    returned, or `NotOnChannel` is raised when no SMS credentials are configured.

    Only a synchronous refusal triggers the fallback. Meta may accept a message (HTTP 200,
    a message id) and report 131026 later in a `failed` status on the messages webhook;
    this portal does not subscribe to the webhook, so that case is out of scope: the
    customer sees no code and asks again.
    """

    name = "whatsapp"
    label = "whatsapp"

    def send(self, message: OutgoingMessage) -> Delivery:
        try:
            return self._send_template(message)
        except NotOnChannel as e:
            if not SmsGateway.configured():
                raise
            logger.info("%s; falling back to SMS", e.message)
            return SmsGateway(sleep=self.sleep).send(message)

    def _send_template(self, message: OutgoingMessage) -> Delivery:
        url = (
            f"{settings.WHATSAPP_API_URL.rstrip('/')}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"
        )
        response = self._post(
            url,
            headers={"Authorization": f"Bearer {settings.WHATSAPP_ACCESS_TOKEN}"},
            json=whatsapp_payload(message),
        )
        messages = _json(response).get("messages")
        try:
            provider_id = messages[0]["id"]  # type: ignore[index]
        except (TypeError, LookupError):
            provider_id = None
        if not isinstance(provider_id, str) or not provider_id:
            # It was probably sent; retrying could send it again.
            raise PermanentFailure(f"whatsapp: HTTP {response.status_code} without a message id")
        return Delivery(gateway=self.name, provider_id=provider_id)

    def _refused(self, response: requests.Response) -> PermanentFailure:
        error = _json(response).get("error")
        code = error.get("code") if isinstance(error, dict) else None
        text = f"whatsapp: refused with HTTP {response.status_code}, Meta error {_safe_code(code)}"
        if code in WHATSAPP_NOT_ON_CHANNEL:
            return NotOnChannel(text)
        return PermanentFailure(text)


def whatsapp_payload(message: OutgoingMessage) -> dict:
    """The Cloud API request body for one message.

    The authentication template follows Meta's "Sending Authentication Templates"
    (developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates/
    auth-otp-template-messages): the code "must appear twice in the payload", as the body
    parameter and as the parameter of the button with sub_type "url" and index "0" (the
    copy-code or one-tap button; created as type OTP, stored as URL), at most 15
    characters. Meta's sample `to` is the number without "+" ("12015553931").
    The language "policy" "deterministic" is the only policy Meta defines.
    """
    if message.kind == "verification-code":
        code = message.params.get("code", "")
        if not code:
            raise PermanentFailure("whatsapp: verification-code message without a code")
        parameter = [{"type": "text", "text": code}]
        name = settings.WHATSAPP_OTP_TEMPLATE
        components: list[dict] = [
            {"type": "body", "parameters": parameter},
            {"type": "button", "sub_type": "url", "index": "0", "parameters": parameter},
        ]
    else:
        missing = [key for key in NOTICE_PARAMS if not message.params.get(key)]
        if missing:
            raise PermanentFailure(f"whatsapp: {message.kind} lacks {', '.join(missing)}")
        name = settings.WHATSAPP_NOTICE_TEMPLATE
        components = [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": message.params[k]} for k in NOTICE_PARAMS],
            }
        ]
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": message.to.removeprefix("+"),
        "type": "template",
        "template": {
            "name": name,
            "language": {"policy": "deterministic", "code": message.language},
            "components": components,
        },
    }


def _safe_code(code: object) -> str:
    # Provider codes are numbers; anything else might be text we must not log.
    return str(code) if isinstance(code, int) and not isinstance(code, bool) else "unknown"
