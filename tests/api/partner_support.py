"""Helpers for the partner API tests: a client that carries a partner's token."""

import io
import json

from django.test import Client
from PIL import Image

from loomworks.accounts.services import token_issue

BASE = "/api/partners"


def image_bytes(size=(8, 8), image_format="PNG", mode="RGB", exif=None) -> bytes:
    """A real image (uploads are decoded to make their preview)."""
    buffer = io.BytesIO()
    extra = {"exif": exif} if exif is not None else {}
    Image.new(mode, size, (200, 120, 40)).save(buffer, format=image_format, **extra)
    return buffer.getvalue()


# The smallest files the upload check accepts.
PNG = image_bytes()
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class PartnerApi:
    """Calls `/api/partners/...` as `user`, with a bearer token."""

    def __init__(self, user):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token_issue(user=user)}"}

    def get(self, path: str, params: dict | None = None):
        return self.client.get(BASE + path, params or {}, headers=self.headers)

    def post(self, path: str, body: dict | None = None):
        if body is None:  # no body at all, as `curl -X POST` sends
            return self.client.post(
                BASE + path, "", content_type="application/json", headers=self.headers
            )
        return self.client.post(
            BASE + path, json.dumps(body), content_type="application/json", headers=self.headers
        )

    def upload(self, path: str, *files: tuple[str, bytes]):
        handles = []
        for name, content in files:
            handle = io.BytesIO(content)
            handle.name = name
            handles.append(handle)
        return self.client.post(BASE + path, {"files": handles}, headers=self.headers)


def upload_png(name: str = "photo.png") -> tuple[str, bytes]:
    return (name, PNG)
