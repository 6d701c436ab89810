"""Fixtures for connections: a real HTTP receiver on localhost, stores, signed requests."""

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook

from loomworks.core.actors import Actor
from loomworks.integrations import stores, webhooks


class Receiver:
    """An HTTP server in a thread that records every request and answers as told.

    `answers` is a list of status codes used one per request, then 200.
    """

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[int] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver.requests.append(
                        {
                            "path": self.path,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "body": body,
                            "status": status,
                        }
                    )
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                payload = json.dumps({"received": status < 300}).encode()
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def types(self, *, succeeded_only: bool = False) -> list[str]:
        return [
            json.loads(r["body"])["type"]
            for r in self.requests
            if not succeeded_only or r["status"] < 300
        ]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def allow_private(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    return settings


@pytest.fixture
def receiver(allow_private):
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def endpoint_for(admin):
    def make(url: str, events=("production_run.created",), description=""):
        return webhooks.webhook_endpoint_create(
            url=url, events=list(events), description=description, actor=admin
        )

    return make


# ---------------------------------------------------------------- stores

SHOPIFY_SECRET = "shpss_test_secret_0123456789"


@pytest.fixture
def shopify_store(admin):
    store, _secret = stores.store_create(
        kind="shopify", name="Main shop", secret=SHOPIFY_SECRET, actor=admin
    )
    return store


@pytest.fixture
def medusa_store(admin):
    store, _secret = stores.store_create(kind="medusa", name="Medusa shop", actor=admin)
    return store


def shopify_hmac(body: bytes, secret: str = SHOPIFY_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify_order(order_id=820982911946154508, lines=None, **extra) -> dict:
    lines = lines or [{"id": 1001, "sku": "SHIRT-NAVY-M", "quantity": 3, "title": "Linen shirt"}]
    return {"id": order_id, "name": "#1001", "line_items": lines, **extra}


def post_shopify(client, store, payload, *, topic="orders/create", signature=None):
    body = json.dumps(payload).encode()
    return client.post(
        f"/api/stores/{store.pk}/shopify",
        body,
        content_type="application/json",
        HTTP_X_SHOPIFY_TOPIC=topic,
        HTTP_X_SHOPIFY_HMAC_SHA256=signature if signature is not None else shopify_hmac(body),
        HTTP_X_SHOPIFY_WEBHOOK_ID="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    )


def post_medusa(client, store, payload, *, secret=None, msg_id="msg_medusa_1"):
    from datetime import UTC, datetime

    body = json.dumps(payload).encode()
    now = datetime.now(tz=UTC)
    signature = Webhook(stores.storefeeds.medusa_key(secret or store.secret)).sign(
        msg_id, now, body
    )
    return client.post(
        f"/api/stores/{store.pk}/medusa",
        body,
        content_type="application/json",
        HTTP_WEBHOOK_ID=msg_id,
        HTTP_WEBHOOK_TIMESTAMP=str(int(now.timestamp())),
        HTTP_WEBHOOK_SIGNATURE=signature,
    )


@pytest.fixture
def store_actor(shopify_store):
    return stores.store_actor(shopify_store)


@pytest.fixture
def as_system():
    return Actor.system()
