import json

import pytest

from verification import gateways
from verification.gateways import OutgoingMessage

MSG = OutgoingMessage(
    to="+31612345678",
    kind="verification-code",
    language="en",
    text="123456 is your code",
    params={"code": "123456"},
)


def test_it_prints_on_the_console(capsys):
    delivery = gateways.ConsoleGateway().send(MSG)
    assert "123456 is your code" in capsys.readouterr().out
    assert delivery.gateway == "console"


def test_it_appends_json_lines_to_a_file(settings, tmp_path):
    settings.MESSAGING_FILE = str(tmp_path / "out" / "messages.jsonl")
    gateways.FileGateway().send(MSG)
    gateways.FileGateway().send(MSG)
    lines = (tmp_path / "out" / "messages.jsonl").read_text().splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0])["params"] == {"code": "123456"}


def test_it_keeps_messages_in_the_locmem_outbox(outbox):
    gateways.get_gateway("locmem").send(MSG)
    assert outbox == [MSG]


def test_it_refuses_an_unknown_gateway():
    with pytest.raises(gateways.GatewayError):
        gateways.get_gateway("pigeon")
