"""Fixtures for the operations tests: what the configured log handler writes."""

import io
import logging

import pytest
from django.test import Client


def _console_handler() -> logging.Handler:
    for handler in logging.getLogger("django").handlers:
        if handler.get_name() == "console":
            return handler
    raise AssertionError("the 'django' logger has no 'console' handler")


@pytest.fixture
def console_log():
    """The text the configured console handler writes during the test."""
    handler = _console_handler()
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.fixture
def failing_client(settings):
    """A client on a URLconf with /boom/ (a view that raises), answering 500 like production."""
    settings.ROOT_URLCONF = "tests.ops.urls"
    return Client(raise_request_exception=False)
