"""The WhatsApp Business Cloud API: one template message per request.

`POST {WHATSAPP_API_URL}/{WHATSAPP_API_VERSION}/{WHATSAPP_PHONE_NUMBER_ID}/messages`
with `Authorization: Bearer {WHATSAPP_TOKEN}` and a template message body.
Businesses may only open a conversation with a template Meta approved, so
every message here is one: its name, its language and the values of its
`{{1}}`, `{{2}}`, … placeholders (README, "WhatsApp", lists the templates to
create).

The answer decides what happens next:

- 200 with `messages[0].id`: sent;
- a server error (5xx), a rate limit (429), a time-out or a refused
  connection: `WhatsAppUnavailable`, and the outbox tries again later;
- any other 4xx (a bad number, a template that does not exist, a revoked
  token): `WhatsAppRefused`, carrying Meta's `error.code` and `error.message`;
  sending the same request again would fail the same way, so it is final.
"""

from dataclasses import dataclass

import httpx
from django.conf import settings

# Our languages as WhatsApp names them (its own list: "pt_PT" is European Portuguese).
LANGUAGE_CODES = {"en": "en", "fr": "fr", "pt": "pt_PT", "hi": "hi"}


class WhatsAppError(Exception):
    pass


class WhatsAppUnavailable(WhatsAppError):
    """The API could not take the message now; the same request may succeed later."""


@dataclass
class WhatsAppRefused(WhatsAppError):
    """The API refused the message; sending it again would not help."""

    status: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"HTTP {self.status}, error {self.code}: {self.message}"


def is_configured() -> bool:
    """WhatsApp is off unless both the token and the sending number's id are set."""
    return bool(settings.WHATSAPP_TOKEN and settings.WHATSAPP_PHONE_NUMBER_ID)


def language_code(language: str) -> str:
    return LANGUAGE_CODES.get(language, LANGUAGE_CODES.get(settings.LANGUAGE_CODE, "en"))


def messages_url() -> str:
    base = settings.WHATSAPP_API_URL.rstrip("/")
    return f"{base}/{settings.WHATSAPP_API_VERSION}/{settings.WHATSAPP_PHONE_NUMBER_ID}/messages"


def template_message(*, to: str, template: str, language: str, parameters: list[str]) -> dict:
    """The request body for a template message whose body takes `parameters` in order."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": template,
            "language": {"code": language},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": _one_line(p)} for p in parameters],
                }
            ],
        },
    }


def _one_line(value) -> str:
    # Template parameters may not hold new lines, tabs or runs of spaces.
    return " ".join(str(value).split())


def send_template(*, to: str, template: str, language: str, parameters: list[str]) -> str:
    """Send one template message; returns WhatsApp's message id. See the module docstring."""
    if not is_configured():
        raise WhatsAppRefused(
            0, "not_configured", "WHATSAPP_TOKEN or WHATSAPP_PHONE_NUMBER_ID is not set."
        )
    try:
        response = httpx.post(
            messages_url(),
            json=template_message(
                to=to, template=template, language=language, parameters=parameters
            ),
            headers={"Authorization": f"Bearer {settings.WHATSAPP_TOKEN}"},
            timeout=settings.WHATSAPP_TIMEOUT,
        )
    except httpx.TransportError as error:  # a time-out, a refused or broken connection
        raise WhatsAppUnavailable(f"No answer from the WhatsApp API: {error}") from error
    if response.status_code >= 500 or response.status_code == 429:
        raise WhatsAppUnavailable(
            f"The WhatsApp API answered {response.status_code}: {_error_of(response)[1]}"
        )
    if response.status_code >= 400:
        code, message = _error_of(response)
        raise WhatsAppRefused(response.status_code, code, message)
    try:
        return str(response.json()["messages"][0]["id"])
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise WhatsAppUnavailable(
            f"The WhatsApp API answered {response.status_code} without a message id."
        ) from error


def _error_of(response) -> tuple[str, str]:
    """Meta's `error.code` and `error.message` (with `error_data.details` when it helps)."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        return "", (response.text or "")[:300]
    message = str(error.get("message") or "")
    details = str((error.get("error_data") or {}).get("details") or "")
    if details and details not in message:
        message = f"{message} ({details})" if message else details
    return str(error.get("code") or ""), message[:1000]
