"""The WhatsApp and SMS gateways against a scripted provider on 127.0.0.1 (no network)."""

from __future__ import annotations

import base64
import socket
import traceback

import pytest

from tests.verification.fake_provider import FakeProvider
from verification import gateways
from verification.gateways import NotOnChannel, OutgoingMessage, PermanentFailure, TemporaryFailure
from verification.http_gateways import SmsGateway, WhatsAppGateway

NUMBER = "+31612345678"
CODE = "482913"
WA_TOKEN = "EAAJB-whatsapp-secret-token"
SMS_TOKEN = "twilio-secret-auth-token"

CODE_MSG = OutgoingMessage(
    to=NUMBER,
    kind="verification-code",
    language="nl",
    text=f"{CODE} is je code",
    params={"code": CODE},
)
NOTICE_MSG = OutgoingMessage(
    to=NUMBER,
    kind="request-received",
    language="en",
    text="We received request R-7Q2K.",
    params={"reference": "R-7Q2K", "link": "https://privacy.example/r/R-7Q2K/"},
)
WA_OK = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": "31612345678", "wa_id": "31612345678"}],
    "messages": [{"id": "wamid.HBgLMzE2MTIzNDU2NzgVAgARGBI"}],
}
SMS_OK = {"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued"}


def meta_error(code: int, status: int = 400) -> dict:
    # The shape of a Cloud API error; Meta's details may name the recipient.
    return {
        "error": {
            "message": f"(#{code}) Recipient {NUMBER} cannot be reached",
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": f"to {NUMBER}"},
            "fbtrace_id": "Akf6LRk1j9htPAuzA5P971E",
        }
    }


@pytest.fixture
def provider(settings):
    server = FakeProvider().start()
    settings.MESSAGING_TIMEOUT = 2
    settings.WHATSAPP_API_URL = f"{server.url}/graph/v21.0"
    settings.WHATSAPP_PHONE_NUMBER_ID = "105954558954427"
    settings.WHATSAPP_ACCESS_TOKEN = WA_TOKEN
    settings.WHATSAPP_OTP_TEMPLATE = "dsar_verification_code"
    settings.WHATSAPP_NOTICE_TEMPLATE = "dsar_case_update"
    settings.SMS_API_URL = f"{server.url}/twilio/2010-04-01"
    settings.SMS_ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
    settings.SMS_AUTH_TOKEN = SMS_TOKEN
    settings.SMS_FROM = "+3197010000000"
    yield server
    server.stop()


@pytest.fixture
def waits():
    """What the gateways would have slept, in seconds."""
    return []


@pytest.fixture
def whatsapp(waits):
    return WhatsAppGateway(sleep=waits.append)


@pytest.fixture
def sms(waits):
    return SmsGateway(sleep=waits.append)


def test_it_sends_an_sms_with_basic_auth_and_form_fields(provider, sms):
    provider.reply(201, SMS_OK)
    delivery = sms.send(CODE_MSG)
    assert delivery == gateways.Delivery(gateway="sms", provider_id=SMS_OK["sid"])
    [req] = provider.requests
    assert (
        req.path == "/twilio/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json"
    )
    credentials = f"AC0123456789abcdef0123456789abcdef:{SMS_TOKEN}".encode()
    assert req.headers["Authorization"] == "Basic " + base64.b64encode(credentials).decode()
    assert req.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert req.form() == {"To": NUMBER, "From": "+3197010000000", "Body": f"{CODE} is je code"}


def test_it_sends_the_code_in_the_whatsapp_authentication_template(provider, whatsapp):
    provider.reply(200, WA_OK)
    delivery = whatsapp.send(CODE_MSG)
    assert delivery == gateways.Delivery(gateway="whatsapp", provider_id=WA_OK["messages"][0]["id"])
    [req] = provider.requests
    assert req.path == "/graph/v21.0/105954558954427/messages"
    assert req.headers["Authorization"] == f"Bearer {WA_TOKEN}"
    assert req.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "31612345678",
        "type": "template",
        "template": {
            "name": "dsar_verification_code",
            "language": {"policy": "deterministic", "code": "nl"},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": CODE}]},
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": CODE}],
                },
            ],
        },
    }


def test_it_sends_notices_through_the_notice_template(provider, whatsapp):
    provider.reply(200, WA_OK)
    whatsapp.send(NOTICE_MSG)
    template = provider.requests[0].json()["template"]
    assert template == {
        "name": "dsar_case_update",
        "language": {"policy": "deterministic", "code": "en"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "R-7Q2K"},
                    {"type": "text", "text": "https://privacy.example/r/R-7Q2K/"},
                ],
            }
        ],
    }


def test_it_refuses_a_notice_without_its_parameters(provider, whatsapp):
    message = OutgoingMessage(to=NUMBER, kind="request-received", language="en", text="x")
    with pytest.raises(PermanentFailure, match="reference, link"):
        whatsapp.send(message)
    assert provider.requests == []


@pytest.mark.parametrize("gateway, ok", [("whatsapp", WA_OK), ("sms", SMS_OK)])
def test_it_retries_a_server_error_then_succeeds(provider, request, waits, gateway, ok):
    provider.reply(500, "oops").reply(200, ok)
    delivery = request.getfixturevalue(gateway).send(CODE_MSG)
    assert delivery.gateway == gateway
    assert len(provider.requests) == 2
    assert waits == [0.5]


def test_it_honours_a_short_retry_after(provider, whatsapp, waits):
    provider.reply(429, meta_error(130429), headers={"Retry-After": "2"}).reply(200, WA_OK)
    whatsapp.send(CODE_MSG)
    assert len(provider.requests) == 2
    assert waits == [2.0]


def test_it_backs_off_exponentially_without_retry_after(provider, sms, waits):
    provider.reply(429, {"code": 20429}, times=2).reply(201, SMS_OK)
    sms.send(CODE_MSG)
    assert waits == [0.5, 1.0]


def test_it_gives_up_at_once_when_retry_after_is_long(provider, sms, waits):
    provider.reply(503, "", headers={"Retry-After": "3600"})
    with pytest.raises(TemporaryFailure, match="HTTP 503"):
        sms.send(CODE_MSG)
    assert len(provider.requests) == 1
    assert waits == []


@pytest.mark.parametrize("status", [400, 401, 403, 404])
@pytest.mark.parametrize("gateway", ["whatsapp", "sms"])
def test_it_does_not_retry_a_client_error(provider, request, waits, gateway, status):
    provider.reply(status, meta_error(190) if gateway == "whatsapp" else {"code": 20003})
    with pytest.raises(PermanentFailure, match=f"HTTP {status}") as e:
        request.getfixturevalue(gateway).send(CODE_MSG)
    assert not isinstance(e.value, NotOnChannel)
    assert len(provider.requests) == 1
    assert waits == []


@pytest.mark.parametrize("gateway", ["whatsapp", "sms"])
def test_it_raises_temporary_failure_after_three_server_errors(provider, request, waits, gateway):
    provider.reply(503, "unavailable", times=3)
    with pytest.raises(TemporaryFailure, match="after 3 attempt"):
        request.getfixturevalue(gateway).send(CODE_MSG)
    assert len(provider.requests) == 3
    assert waits == [0.5, 1.0]


def test_it_raises_temporary_failure_when_the_provider_is_too_slow(provider, settings, whatsapp):
    settings.MESSAGING_TIMEOUT = 0.1
    provider.reply(200, WA_OK, delay=0.5, times=3)
    with pytest.raises(TemporaryFailure, match="ReadTimeout"):
        whatsapp.send(CODE_MSG)
    assert len(provider.requests) == 3


def test_it_raises_temporary_failure_when_nobody_listens(provider, settings, sms, waits):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.SMS_API_URL = f"http://127.0.0.1:{port}/2010-04-01"
    with pytest.raises(TemporaryFailure, match="ConnectionError"):
        sms.send(CODE_MSG)
    assert waits == [0.5, 1.0]


@pytest.mark.parametrize("code", [131026, 131030])
def test_it_falls_back_to_sms_when_the_number_is_not_on_whatsapp(provider, whatsapp, code):
    provider.reply(400, meta_error(code)).reply(201, SMS_OK)
    delivery = whatsapp.send(CODE_MSG)
    assert delivery == gateways.Delivery(gateway="sms", provider_id=SMS_OK["sid"])
    wa, sms = provider.requests
    assert wa.path.startswith("/graph/")
    assert sms.path.startswith("/twilio/")
    assert sms.form()["Body"] == f"{CODE} is je code"


def test_it_reraises_not_on_channel_without_sms_credentials(provider, settings, whatsapp):
    settings.SMS_AUTH_TOKEN = ""
    provider.reply(400, meta_error(131026))
    with pytest.raises(NotOnChannel, match="Meta error 131026"):
        whatsapp.send(CODE_MSG)
    assert len(provider.requests) == 1


def test_it_does_not_fall_back_on_other_whatsapp_errors(provider, whatsapp):
    provider.reply(400, meta_error(132001))  # template does not exist
    with pytest.raises(PermanentFailure, match="Meta error 132001"):
        whatsapp.send(CODE_MSG)
    assert len(provider.requests) == 1


@pytest.mark.parametrize(
    "gateway, replies",
    [
        ("whatsapp", [(400, meta_error(100))]),
        ("whatsapp", [(401, meta_error(190))]),
        ("whatsapp", [(500, f"{NUMBER} {CODE} {WA_TOKEN}")] * 3),
        ("whatsapp", [(400, meta_error(131026)), (400, {"code": 21211, "message": NUMBER})]),
        ("whatsapp", [(200, {"messages": []})]),
        ("sms", [(400, {"code": 21211, "message": f"The 'To' number {NUMBER} is not valid"})]),
        ("sms", [(400, {"code": f"{NUMBER} {CODE}"})]),
        ("sms", [(201, {"message": NUMBER})]),
    ],
)
def test_it_keeps_the_number_code_and_token_out_of_error_messages(
    provider, request, gateway, replies
):
    for status, body in replies:
        provider.reply(status, body)
    with pytest.raises(gateways.GatewayError) as e:
        request.getfixturevalue(gateway).send(CODE_MSG)
    # What a log line or a task's traceback would show, chained exceptions included.
    logged = "".join(traceback.format_exception(e.value)) + e.value.message
    for secret in (NUMBER, NUMBER.removeprefix("+"), CODE, WA_TOKEN, SMS_TOKEN):
        assert secret not in logged


def test_it_keeps_the_number_out_of_connection_errors(provider, settings, whatsapp):
    settings.MESSAGING_TIMEOUT = 0.1
    provider.reply(200, WA_OK, delay=0.5, times=3)
    with pytest.raises(TemporaryFailure) as e:
        whatsapp.send(CODE_MSG)
    logged = "".join(traceback.format_exception(e.value))
    assert settings.WHATSAPP_PHONE_NUMBER_ID not in logged
    assert NUMBER.removeprefix("+") not in logged


def test_it_is_registered_by_name():
    assert isinstance(gateways.get_gateway("whatsapp"), WhatsAppGateway)
    assert isinstance(gateways.get_gateway("sms"), SmsGateway)
