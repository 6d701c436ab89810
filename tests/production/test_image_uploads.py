"""Uploaded images cost a bounded amount of work.

The upload reads each image's header only: an image of more pixels than
`MEDIA_MAX_IMAGE_PIXELS` is refused before a pixel is decoded, however small
its file. Previews are made after the upload by a subscriber, decoding a
JPEG at a fraction of its size. Memory is measured in a child process
(its peak resident size before and after one call), never time.
"""

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from loomworks.core.errors import InvalidInput
from loomworks.events.models import Event
from loomworks.production import services
from loomworks.production.models import MediaFile, RunHistory
from loomworks.production.previews import MEDIA_UPLOADED, preview_build
from tests.api.partner_support import PNG, PartnerApi, image_bytes

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def huge_png(width: int, height: int) -> bytes:
    """A real, valid grey PNG that unpacks to width × height bytes but is tiny on disk."""
    row = b"\x00" * (width + 1)  # filter byte + black pixels
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(tag: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(tag + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return huge_png(9_400, 9_400)


def test_a_small_png_of_88_megapixels_is_refused_from_its_header(
    workshop, make_run, bomb, settings
):
    assert len(bomb) < 400 * 1024  # about the 343 KB of the probe
    assert settings.MEDIA_MAX_IMAGE_PIXELS < Image.MAX_IMAGE_PIXELS  # well under Pillow's
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)

    response = PartnerApi(workshop.user).upload(
        f"/production-runs/{run.pk}/media", ("bomb.png", bomb)
    )

    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "files"
    assert "bomb.png is 9400 × 9400 pixels" in body["detail"]
    assert not MediaFile.objects.exists()
    assert not Event.objects.filter(name=MEDIA_UPLOADED).exists()
    assert not RunHistory.objects.filter(run=run, kind="media_added").exists()


def test_the_pixel_bound_is_a_setting(workshop, make_run, settings):
    settings.MEDIA_MAX_IMAGE_PIXELS = 10_000
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    api = PartnerApi(workshop.user)

    too_big = api.upload(f"/production-runs/{run.pk}/media", ("a.png", image_bytes((101, 100))))
    fits = api.upload(f"/production-runs/{run.pk}/media", ("b.png", image_bytes((100, 100))))

    assert too_big.status_code == 422
    assert fits.status_code == 201


def _peak_growth_kib(call: str, data: bytes, tmp_path) -> int:
    """Run previews.<call> in a fresh Python; how far its peak memory rose above where it
    was just before, in KiB (Linux: the peak is reset through /proc/self/clear_refs)."""
    source = tmp_path / "image.bin"
    source.write_bytes(data)
    script = f"""
import io, json, os, django
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
django.setup()
from loomworks.production import previews

def status(field):
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) for line in lines if line.startswith(field))

upload = io.BytesIO(open({str(source)!r}, "rb").read())
with open("/proc/self/clear_refs", "w") as reset:
    reset.write("5")  # the peak (VmHWM) starts again from the current size
before = status("VmRSS:")
{call}
print(json.dumps(status("VmHWM:") - before))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


needs_proc = pytest.mark.skipif(
    not os.path.exists("/proc/self/clear_refs"), reason="measures memory through Linux's /proc"
)


@needs_proc
def test_checking_an_image_at_upload_decodes_no_pixel(tmp_path):
    png = huge_png(6_000, 6_000)  # 36 MP: allowed, 36 MB once decoded

    growth = _peak_growth_kib('previews.check_image(upload, "image/png")', png, tmp_path)

    assert growth < 12 * 1024, f"checking the header took {growth} KiB"


@needs_proc
def test_a_large_jpeg_preview_is_decoded_at_a_fraction_of_its_size(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (6_000, 4_000), (90, 60, 30)).save(buffer, "JPEG", quality=70)
    # 24 MP: 72 MB decoded in full; drafted at 1/4, under 5 MB.

    growth = _peak_growth_kib("previews.make_preview(upload)", buffer.getvalue(), tmp_path)

    assert growth < 30 * 1024, f"the preview took {growth} KiB"


def photos(*names, content=PNG):
    return [SimpleUploadedFile(name, content) for name in names]


def test_more_files_than_allowed_at_once_are_refused_by_the_service(workshop, make_run, settings):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    names = [f"{i}.png" for i in range(settings.MEDIA_MAX_FILES_PER_UPLOAD + 1)]

    with pytest.raises(InvalidInput) as refused:
        services.media_add(run=run, actor=workshop.actor, files=photos(*names))

    assert refused.value.field == "files"
    assert not MediaFile.objects.exists()


def test_files_adding_up_to_more_than_the_total_are_refused(workshop, make_run, settings):
    settings.MEDIA_MAX_UPLOAD_REQUEST_BYTES = len(PNG) * 2
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)

    with pytest.raises(InvalidInput) as refused:
        services.media_add(run=run, actor=workshop.actor, files=photos("a.png", "b.png", "c.png"))

    assert refused.value.field == "files"
    assert "smaller batches" in refused.value.detail
    assert not MediaFile.objects.exists()


def test_the_upload_publishes_one_event_and_the_preview_is_made_once(workshop, make_run, drained):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    created = services.media_add(
        run=run,
        actor=workshop.actor,
        files=[*photos("a.png"), SimpleUploadedFile("spec.pdf", b"%PDF-1.4\n%%EOF\n")],
    )
    [event] = Event.objects.filter(name=MEDIA_UPLOADED)
    assert event.payload == {"run_id": run.pk, "media_ids": [created[0].pk]}
    assert not MediaFile.objects.get(pk=created[0].pk).preview

    drained()
    first = MediaFile.objects.get(pk=created[0].pk).preview.name
    again = preview_build(created[0].pk)  # a second delivery

    assert first
    assert again is False
    assert MediaFile.objects.get(pk=created[0].pk).preview.name == first
    assert not MediaFile.objects.get(pk=created[1].pk).preview  # a PDF has none


def test_an_image_that_does_not_decode_later_keeps_showing_the_original(
    workshop, make_run, drained
):
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    [media] = services.media_add(run=run, actor=workshop.actor, files=photos("a.png"))
    with media.file.open("wb") as handle:  # the stored file was damaged since
        handle.write(PNG[:40])

    drained()

    media.refresh_from_db()
    assert not media.preview
    assert media.preview_url == media.file.url
