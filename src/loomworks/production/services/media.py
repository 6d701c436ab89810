"""Photos and PDFs attached to a run (shown on its design too).

Every upload is checked from its bytes, and its preview made, before anything
is written.
"""

from collections.abc import Sequence

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.errors import (
    InvalidInput,
)
from loomworks.production.models import (
    MediaFile,
    ProductionRun,
)
from loomworks.production.previews import UnreadableImage, make_preview
from loomworks.production.states import (
    transition,
)


def _sniff_media_type(upload) -> str | None:
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


def _checked_upload(upload) -> tuple[str, ContentFile | None]:
    """The upload's real type and, for an image, its preview; InvalidInput naming the file."""
    limit = settings.MEDIA_MAX_UPLOAD_BYTES
    if upload.size > limit:
        raise InvalidInput(
            "files",
            _("%(name)s is larger than %(limit)s MB.")
            % {"name": upload.name, "limit": limit // (1024 * 1024)},
        )
    content_type = _sniff_media_type(upload)
    if content_type is None:
        raise InvalidInput(
            "files",
            _("%(name)s is not a JPEG, PNG, WebP, GIF image or a PDF.") % {"name": upload.name},
        )
    if not content_type.startswith("image/"):
        return content_type, None
    try:
        return content_type, make_preview(upload)
    except UnreadableImage:
        raise InvalidInput(
            "files",
            _(
                "%(name)s could not be opened as an image. Save it again from the "
                "camera or gallery app and upload that copy."
            )
            % {"name": upload.name},
        ) from None


@transaction.atomic
def media_add(*, run: ProductionRun, actor: Actor, files: Sequence) -> list[MediaFile]:
    """Attach photos or PDFs to a run (shown on its design too)."""
    if not files:
        raise InvalidInput("files", _("Choose at least one file to upload."))
    # Every file is checked (and its preview made) before anything is written.
    checked = [(upload, *_checked_upload(upload)) for upload in files]
    names = ", ".join(upload.name for upload, _type, _preview in checked)
    current = transition(run, "media_added", actor=actor, note=names).run
    created = []
    for upload, content_type, preview in checked:
        media = MediaFile(
            run=current,
            design_id=current.design_id,
            original_name=upload.name[:300],
            content_type=content_type,
            size=upload.size,
            uploaded_by_id=actor.user_id,
            uploaded_by_name=actor.name,
        )
        media.file.save(upload.name[-100:], upload, save=False)
        if preview is not None:
            media.preview.save("preview.jpg", preview, save=False)
        media.save(force_insert=True)
        created.append(media)
    return created
