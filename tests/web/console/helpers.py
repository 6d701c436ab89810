"""Small helpers for the console's page tests."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(fetch) -> int:
    """How many SQL queries `fetch()` ran (it must answer 200)."""
    with CaptureQueriesContext(connection) as captured:
        response = fetch()
    assert response.status_code == 200, response.status_code
    return len(captured.captured_queries)


def flashes(response) -> list[str]:
    """The flash messages shown on a page (after `follow=True`, on the page redirected to)."""
    return [str(message) for message in response.context["messages"]]


def text(response) -> str:
    return response.content.decode()
