"""A local stand-in for the WhatsApp Business Cloud API, for tests.

It listens on 127.0.0.1, checks each request the way the real API would
(path with the version and the sending number's id, a Bearer token, a JSON
template message with every required field) and answers as Meta documents:

- 200 `{"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id": "wamid…"}]}`;
- 4xx `{"error": {"message", "type", "code", "error_data": {...}, "fbtrace_id"}}`;
- 5xx with an error object too.

A request of the wrong shape gets Meta's 400 "Invalid parameter" (code 100),
so a client that builds it wrong fails the test. A test can also script the
next answers (`answer_next`), e.g. a 500 then a 200.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "test-whatsapp-token"
PHONE_NUMBER_ID = "106540352242922"
VERSION = "v21.0"


def error_body(
    code: int, message: str, details: str = "", error_type: str = "OAuthException"
) -> dict:
    return {
        "error": {
            "message": message,
            "type": error_type,
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details},
            "fbtrace_id": "AbCdEfGhIjK",
        }
    }


def shape_problems(path: str, headers, body) -> list[str]:
    """What is wrong with a send request, per the Cloud API's reference; [] when nothing."""
    problems = []
    if path != f"/{VERSION}/{PHONE_NUMBER_ID}/messages":
        problems.append(f"path {path}")
    if headers.get("Authorization") != f"Bearer {TOKEN}":
        problems.append("Authorization")
    if not (headers.get("Content-Type") or "").startswith("application/json"):
        problems.append("Content-Type")
    if not isinstance(body, dict):
        return [*problems, "body is not a JSON object"]
    if body.get("messaging_product") != "whatsapp":
        problems.append("messaging_product")
    if body.get("type") != "template":
        problems.append("type")
    to = body.get("to")
    if not (isinstance(to, str) and to.lstrip("+").isdigit() and 8 <= len(to.lstrip("+")) <= 15):
        problems.append("to")
    template = body.get("template") or {}
    if not template.get("name"):
        problems.append("template.name")
    if not (template.get("language") or {}).get("code"):
        problems.append("template.language.code")
    for component in template.get("components", []):
        if component.get("type") not in ("header", "body", "button"):
            problems.append("template.components.type")
        for parameter in component.get("parameters", []):
            text = parameter.get("text")
            if parameter.get("type") != "text" or not isinstance(text, str) or not text:
                problems.append("template.components.parameters")
            elif "\n" in text or "\t" in text or "     " in text:
                problems.append("parameter text with new lines, tabs or 5 spaces")
    return problems


class FakeWhatsApp:
    """The server, what it received, and the answers it will give next."""

    def __init__(self):
        self.requests: list[dict] = []
        self._next: list[tuple[int, dict]] = []
        self._lock = threading.Lock()
        self._counter = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                status, answer = fake._answer(self.path, self.headers, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeWhatsApp":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer_next(self, status: int, body: dict | None = None) -> None:
        """Script the next answer (in order); after the script, requests get 200."""
        with self._lock:
            self._next.append((status, body or {}))

    def _answer(self, path, headers, body) -> tuple[int, dict]:
        with self._lock:
            self.requests.append({"path": path, "headers": dict(headers), "body": body})
            problems = shape_problems(path, headers, body)
            if problems:
                return 400, error_body(
                    100, "(#100) Invalid parameter", "; ".join(problems), "OAuthException"
                )
            if self._next:
                return self._next.pop(0)
            self._counter += 1
            wamid = f"wamid.HBgLMzUxOTEyMzQ1Njc4FQIAERgS{self._counter:04d}"
            return 200, {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"].lstrip("+")}],
                "messages": [{"id": wamid, "message_status": "accepted"}],
            }
