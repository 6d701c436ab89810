"""One signed POST to a webhook endpoint, and what came of it.

Signing follows Standard Webhooks: `webhook-id` (the delivery's id, the same
on every try), `webhook-timestamp` (seconds since the epoch, when this try
was signed) and `webhook-signature` (`v1,` and the base64 HMAC-SHA256 of
`id.timestamp.body` keyed with the endpoint's decoded `whsec_` secret), made
by the `standardwebhooks` package. The request goes to the address
`netguard` checked, with short timeouts, no proxy from the environment, and
no redirects followed: a 3xx is a failed try like any other non-2xx.
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from django.conf import settings
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook

from loomworks import __version__
from loomworks.integrations.netguard import TargetRefused, resolve_target

USER_AGENT = f"Loomworks-Webhooks/{__version__}"
EXCERPT_BYTES = 2048
EXCERPT_CHARS = 1000


@dataclass(frozen=True)
class SendResult:
    succeeded: bool
    response_code: int | None = None
    duration_ms: int = 0
    response_excerpt: str = ""
    error: str = ""

    def summary(self) -> str:
        """A short line for logs and notices: the code, or what went wrong."""
        if self.response_code is not None:
            return f"HTTP {self.response_code}"
        return self.error


def signature_headers(*, secret: str, message_id: str, body: str, at: datetime) -> dict:
    """The three Standard Webhooks headers for `body`, signed at `at`."""
    at = at.replace(microsecond=0)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }


def post_signed(*, url: str, secret: str, message_id: str, body: str) -> SendResult:
    """POST `body` to `url`, signed; never raises for what the network or the receiver did."""
    started = time.monotonic()
    try:
        target = resolve_target(url)
    except TargetRefused as refusal:
        return SendResult(succeeded=False, error=str(refusal))
    request_url = httpx.URL(url)
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        # The connection goes to the checked address; the receiver still sees its own name.
        "host": request_url.netloc.decode("ascii"),
        **signature_headers(
            secret=secret, message_id=message_id, body=body, at=datetime.now(tz=UTC)
        ),
    }
    # TLS checks the certificate against the name in the URL, not the address.
    extensions = (
        {"sni_hostname": request_url.raw_host.decode("ascii")} if target.scheme == "https" else {}
    )
    timeout = settings.WEBHOOKS_TIMEOUT_SECONDS
    try:
        with (
            httpx.Client(
                timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
                follow_redirects=False,
                trust_env=False,
            ) as client,
            client.stream(
                "POST",
                request_url.copy_with(host=target.address),
                content=body.encode("utf-8"),
                headers=headers,
                extensions=extensions,
            ) as response,
        ):
            received = b""
            for chunk in response.iter_bytes():
                received += chunk
                if len(received) >= EXCERPT_BYTES or time.monotonic() - started > timeout:
                    break
            code = response.status_code
    except httpx.TimeoutException:
        return _failed(started, _("No answer within %(seconds)s seconds.") % {"seconds": timeout})
    except httpx.HTTPError as error:
        return _failed(
            started,
            _("Could not connect: %(error)s") % {"error": str(error) or type(error).__name__},
        )
    excerpt = received[:EXCERPT_BYTES].decode("utf-8", errors="replace")[:EXCERPT_CHARS]
    error = ""
    if 300 <= code < 400:
        error = _("Redirects are not followed; register the final URL instead.")
    return SendResult(
        succeeded=200 <= code < 300,
        response_code=code,
        duration_ms=_elapsed_ms(started),
        response_excerpt=excerpt,
        error=error,
    )


def _elapsed_ms(started: float) -> int:
    return max(0, int((time.monotonic() - started) * 1000))


def _failed(started: float, error: str) -> SendResult:
    return SendResult(succeeded=False, duration_ms=_elapsed_ms(started), error=error[:1000])
