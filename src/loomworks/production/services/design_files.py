"""The brand's files of a design: tech packs, patterns, artwork and images.

They are stored like a workshop's photos of a run (`MediaFile`, the same
checks before anything is written: counts and sizes, the type read from the
bytes, an image's header; images get their preview after commit from the
`media.uploaded` event), with the design and no run. A run's snapshot names
the design's files when the run is made (`snapshots.design_snapshot`), so a
file added or taken off later never changes what an existing run shows: taking
one off only marks it removed, and the runs that name it keep it.
Every change leaves an audit row naming its actor.
"""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loomworks.catalog.models import Design
from loomworks.core.actors import Actor
from loomworks.core.audit import audit_record
from loomworks.core.errors import InvalidInput
from loomworks.events.api import publish
from loomworks.production.models import DesignFileKind, MediaFile
from loomworks.production.previews import MEDIA_UPLOADED
from loomworks.production.uploads import checked_uploads


def _kind(kind: str | None) -> str:
    kind = (kind or "").strip()
    if kind and kind not in DesignFileKind.values:
        raise InvalidInput(
            "kind",
            _("The kind of file must be one of: %(kinds)s.")
            % {"kinds": ", ".join(DesignFileKind.values)},
        )
    return kind


@transaction.atomic
def design_files_add(
    *, design: Design, actor: Actor, files: Sequence, kind: str = ""
) -> list[MediaFile]:
    """Attach files to a design; `kind` (tech pack, pattern, artwork, image, other) is
    for them all; without it an image is an image and a PDF a tech pack."""
    kind = _kind(kind)
    checked = checked_uploads(files)
    created = []
    for upload, content_type in checked:
        media = MediaFile(
            design=design,
            run=None,
            kind=kind
            or (
                DesignFileKind.IMAGE
                if content_type.startswith("image/")
                else DesignFileKind.TECH_PACK
            ),
            original_name=upload.name[:300],
            content_type=content_type,
            size=upload.size,
            uploaded_by_id=actor.user_id,
            uploaded_by_name=actor.name,
        )
        media.file.save(upload.name[-100:], upload, save=False)
        media.save(force_insert=True)
        created.append(media)
    audit_record(
        actor=actor,
        action="design.files_added",
        target_type="design",
        target_id=design.pk,
        details={
            "files": [
                {"id": m.pk, "name": m.original_name, "kind": m.kind, "size": m.size}
                for m in created
            ]
        },
    )
    image_ids = [media.pk for media in created if media.is_image]
    if image_ids:
        publish(
            MEDIA_UPLOADED,
            {"design_id": design.pk, "media_ids": image_ids},
            aggregate_type="design",
            aggregate_id=design.pk,
        )
    return created


@transaction.atomic
def design_file_remove(*, media: MediaFile, actor: Actor) -> MediaFile:
    """Take a file off its design. Runs whose snapshot names it keep showing it."""
    if media.run_id is not None or media.design_id is None:
        raise InvalidInput("file_id", _("This file is not one of the design's files."))
    removed = MediaFile.objects.filter(pk=media.pk, removed_at__isnull=True).update(
        removed_at=timezone.now()
    )
    if removed:
        audit_record(
            actor=actor,
            action="design.file_removed",
            target_type="design",
            target_id=media.design_id,
            details={"file": {"id": media.pk, "name": media.original_name, "kind": media.kind}},
        )
    media.refresh_from_db()
    return media
