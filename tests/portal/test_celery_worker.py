"""A task through a real Celery worker process: the verification code reaches the customer."""

import json

import pytest

from tests.conftest import ALICE, Client
from tests.worker import celery_worker, require_worker_tests, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_it_sends_the_code_through_a_real_worker(tmp_path):
    require_worker_tests()
    messages_file = tmp_path / "messages.jsonl"
    env = {"TEST_MESSAGING_GATEWAY": "file", "MESSAGING_FILE": str(messages_file)}
    with celery_worker(env) as worker:
        client = Client()
        r = client.post("/verify/", {"number": ALICE})
        assert r.status_code == 302

        def code_arrived():
            if worker.poll() is not None:
                raise AssertionError(worker.stdout.read())
            if not messages_file.exists():
                return None
            lines = [json.loads(line) for line in messages_file.read_text().splitlines()]
            return [m for m in lines if m["to"] == ALICE]

        sent = wait_for(code_arrived, timeout=60)
        assert sent[0]["kind"] == "verification-code"
        r = client.post("/verify/code/", {"code": sent[0]["params"]["code"]})
        assert r.status_code == 302 and r.url == "/my/requests/"
