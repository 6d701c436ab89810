"""Uploaded photos: checked cheaply during the upload, given a small preview afterwards.

A phone photo is several megabytes; a gallery shows it at under 200 pixels.
Each uploaded image gets a JPEG of at most `PREVIEW_PIXELS` on its longest
side, turned upright from its EXIF orientation, with transparency laid on
white.

Decoding is the dear part: a 343 KB PNG can unpack to 9,400 × 9,400 pixels,
a gigabyte of memory and seconds of work. So the upload itself only reads
each image's header (`check_image`): its size is known there, before a single
pixel is decoded, and an image of more than `MEDIA_MAX_IMAGE_PIXELS` is
refused; a file whose header or chunks do not hold together is refused too.
The preview is made after the upload committed, by a subscriber to
`media.uploaded` (`make_preview`), so a slow one never holds a web worker;
pages show the original until it exists. Making it decodes as little as
the format allows: a JPEG is decoded straight at 1/2, 1/4 or 1/8 of its
size (`draft`), and the image is shrunk before it is turned upright, so no
full-size upright copy is ever made.
"""

import io
import logging
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from loomworks.events.api import publish
from loomworks.events.names import EventName
from loomworks.production.models import MediaFile, ProductionRun

log = logging.getLogger("loomworks.production")

PREVIEW_PIXELS = 480
PREVIEW_QUALITY = 80
MEDIA_UPLOADED = EventName.MEDIA_UPLOADED

# What the sniffed type of an upload must decode as.
PILLOW_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/gif": "GIF",
}

_DECODE_ERRORS = (
    OSError,  # UnidentifiedImageError and truncated files among them
    ValueError,
    SyntaxError,
    EOFError,
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


class UnreadableImage(ValueError):
    """The bytes start like an image but do not hold together as one."""


class ImageTooLarge(ValueError):
    """The image's header declares more pixels than `MEDIA_MAX_IMAGE_PIXELS`."""

    def __init__(self, width: int, height: int):
        super().__init__(f"{width} × {height} pixels")
        self.width = width
        self.height = height


@dataclass(frozen=True)
class ImageHeader:
    format: str
    width: int
    height: int


def check_image(upload, content_type: str) -> ImageHeader:
    """Read the header of the image in `upload` (no pixel is decoded) and check it.

    Raises ImageTooLarge beyond `MEDIA_MAX_IMAGE_PIXELS`, UnreadableImage when
    the header does not parse, names another format than the bytes' signature,
    or (PNG) its chunks do not check out. The file's position is restored.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                header = ImageHeader(image.format, image.width, image.height)
                if header.format != PILLOW_FORMATS.get(content_type):
                    raise UnreadableImage(f"{header.format} is not {content_type}")
                if header.width * header.height > settings.MEDIA_MAX_IMAGE_PIXELS:
                    raise ImageTooLarge(header.width, header.height)
                # Walks the file's structure (a PNG's chunks and checksums)
                # without decompressing the pixels.
                image.verify()
    except (ImageTooLarge, UnreadableImage):
        raise
    except _DECODE_ERRORS as error:
        raise UnreadableImage(str(error)) from error
    finally:
        upload.seek(0)
    return header


def make_preview(source) -> ContentFile:
    """A JPEG preview of the image in `source` (a file object; its position is restored)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as image:
                if image.width * image.height > settings.MEDIA_MAX_IMAGE_PIXELS:
                    raise ImageTooLarge(image.width, image.height)
                # JPEG: decode at the smallest scale that still covers twice
                # the preview (for a clean reduction); other formats ignore
                # it. Then shrink in place before turning upright: the
                # full-size picture is never copied.
                image.draft("RGB", (PREVIEW_PIXELS * 2, PREVIEW_PIXELS * 2))
                image.thumbnail((PREVIEW_PIXELS, PREVIEW_PIXELS), reducing_gap=2.0)
                small = ImageOps.exif_transpose(image)
                small = _on_white(small)
                out = io.BytesIO()
                small.save(out, "JPEG", quality=PREVIEW_QUALITY, optimize=True, progressive=True)
    except ImageTooLarge:
        raise
    except _DECODE_ERRORS as error:
        raise UnreadableImage(str(error)) from error
    finally:
        source.seek(0)
    return ContentFile(out.getvalue())


def _on_white(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "L"):
        return image
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


# ---------------------------------------------------------------- after the upload


def preview_requests_publish(run: ProductionRun, created: list[MediaFile]) -> None:
    """Ask for previews of the images just stored, in the upload's transaction."""
    image_ids = [media.pk for media in created if media.is_image]
    if image_ids:
        publish(
            MEDIA_UPLOADED,
            {"run_id": run.pk, "media_ids": image_ids},
            aggregate_type="production_run",
            aggregate_id=run.pk,
        )


def preview_build(media_id: str) -> bool:
    """Make and attach the preview of one stored image. True when one was attached.

    Safe to run twice, or at once in two workers: an image that has its preview
    already is left alone, and the preview is attached only if none was in
    between. An image that does not decode is left without one (its gallery
    shows the original) and logged; trying again would not change it.
    """
    media = MediaFile.objects.filter(pk=media_id).first()
    if media is None or media.preview or not media.is_image:
        return False
    try:
        with media.file.open("rb") as source:
            preview = make_preview(source)
    except FileNotFoundError:
        log.warning("No file for %s; its preview is not made", media_id)
        return False
    except (UnreadableImage, ImageTooLarge) as error:
        log.warning("No preview for %s (%s): %s", media_id, media.original_name, error)
        return False
    name = media.preview.field.generate_filename(media, "preview.jpg")
    name = media.preview.storage.save(name, preview, max_length=media.preview.field.max_length)
    attached = MediaFile.objects.filter(pk=media.pk, preview="").update(preview=name)
    if not attached:  # another delivery got there first
        media.preview.storage.delete(name)
    return bool(attached)
