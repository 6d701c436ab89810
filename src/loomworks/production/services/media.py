"""Photos and PDFs attached to a run (shown on its design too).

Every upload is checked before anything is written (`production/uploads.py`:
counts and sizes, the type from the bytes, an image's header); images get
their preview after commit, from the `media.uploaded` event
(`production/previews.py`), so no request decodes a picture.
"""

from collections.abc import Sequence

from django.db import transaction

from loomworks.core.actors import Actor
from loomworks.production.models import MediaFile, ProductionRun
from loomworks.production.previews import preview_requests_publish
from loomworks.production.states import transition
from loomworks.production.uploads import checked_uploads


@transaction.atomic
def media_add(*, run: ProductionRun, actor: Actor, files: Sequence) -> list[MediaFile]:
    """Attach photos or PDFs to a run (shown on its design too)."""
    checked = checked_uploads(files)
    names = ", ".join(upload.name for upload, _type in checked)
    current = transition(run, "media_added", actor=actor, note=names).run
    created = []
    for upload, content_type in checked:
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
        media.save(force_insert=True)
        created.append(media)
    preview_requests_publish(current, created)
    return created
