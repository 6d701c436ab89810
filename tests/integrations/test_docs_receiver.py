"""The example receiver in docs/connecting.md accepts what our sender signs, and nothing else."""

import re
from pathlib import Path

import pytest

from loomworks.integrations import webhooks
from loomworks.integrations.sending import signature_headers

DOC = Path(__file__).resolve().parents[2] / "docs" / "connecting.md"


@pytest.fixture
def receiver_module(monkeypatch):
    secret = webhooks.secret_new()
    monkeypatch.setenv("LOOMWORKS_WEBHOOK_SECRET", secret)
    (code,) = [block for block in re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)]
    code = code.replace('HTTPServer(("0.0.0.0", 8080), Receiver).serve_forever()', "")
    namespace: dict = {"__name__": "docs_receiver"}
    exec(compile(code, str(DOC), "exec"), namespace)
    return secret, namespace


def test_the_documented_receiver_checks_our_signature(receiver_module):
    from datetime import UTC, datetime

    secret, receiver = receiver_module
    body = b'{"type":"production_run.completed","data":{"reference":"PR-1"}}'
    headers = signature_headers(
        secret=secret, message_id="msg_1", body=body.decode(), at=datetime.now(tz=UTC)
    )
    assert receiver["signed_by_loomworks"](headers, body)
    assert not receiver["signed_by_loomworks"](headers, body + b" ")
    stale = signature_headers(
        secret=secret, message_id="msg_1", body=body.decode(), at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    assert not receiver["signed_by_loomworks"](stale, body)
