"""What an upload of files to a run must be, checked before anything is stored.

Cheap checks only, in the request: how many files and how many bytes in all
(`MEDIA_MAX_FILES_PER_UPLOAD`, `MEDIA_MAX_UPLOAD_REQUEST_BYTES`), each file's
size (`MEDIA_MAX_UPLOAD_BYTES`), its real type read from its first bytes
(never from its name), and for an image its header: the pixel count and the
file's structure, without decoding it (`previews.check_image`). Each refusal
is an InvalidInput on `files` that names the file and what to do.
"""

from collections.abc import Sequence

from django.conf import settings
from django.utils.translation import gettext as _

from loomworks.core.errors import InvalidInput
from loomworks.production.previews import ImageTooLarge, UnreadableImage, check_image

ALLOWED_MEDIA_TYPES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/gif": "GIF",
    "application/pdf": "PDF",
}


def _megabytes(size: int) -> int:
    return max(1, size // (1024 * 1024))


def sniff_media_type(upload) -> str | None:
    """What the file really is, read from its first bytes, not from its name."""
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


def _check_totals(files: Sequence) -> None:
    if not files:
        raise InvalidInput("files", _("Choose at least one file to upload."))
    most = settings.MEDIA_MAX_FILES_PER_UPLOAD
    if len(files) > most:
        raise InvalidInput(
            "files",
            _("Send at most %(limit)s files at once; you sent %(count)s.")
            % {"limit": most, "count": len(files)},
        )
    limit = settings.MEDIA_MAX_UPLOAD_REQUEST_BYTES
    if sum(upload.size for upload in files) > limit:
        raise InvalidInput(
            "files",
            _("These files add up to more than %(limit)s MB; send them in smaller batches.")
            % {"limit": _megabytes(limit)},
        )


def _checked_file(upload) -> str:
    """The upload's real type; InvalidInput naming the file."""
    limit = settings.MEDIA_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise InvalidInput(
            "files",
            _("%(name)s is larger than %(limit)s MB.")
            % {"name": upload.name, "limit": _megabytes(limit)},
        )
    content_type = sniff_media_type(upload)
    if content_type is None:
        raise InvalidInput(
            "files",
            _("%(name)s is not a JPEG, PNG, WebP, GIF image or a PDF.") % {"name": upload.name},
        )
    if not content_type.startswith("image/"):
        return content_type
    try:
        check_image(upload, content_type)
    except ImageTooLarge as error:
        raise InvalidInput(
            "files",
            _(
                "%(name)s is %(width)s × %(height)s pixels, more than the %(limit)s megapixels "
                "allowed. Send a smaller copy (a phone photo is about 12 megapixels)."
            )
            % {
                "name": upload.name,
                "width": error.width,
                "height": error.height,
                "limit": settings.MEDIA_MAX_IMAGE_PIXELS // 1_000_000,
            },
        ) from None
    except UnreadableImage:
        raise InvalidInput(
            "files",
            _(
                "%(name)s could not be opened as an image. Save it again from the "
                "camera or gallery app and upload that copy."
            )
            % {"name": upload.name},
        ) from None
    return content_type


def checked_uploads(files: Sequence) -> list[tuple[object, str]]:
    """Each upload with its real type, once every one of them passed; else InvalidInput."""
    _check_totals(files)
    return [(upload, _checked_file(upload)) for upload in files]
