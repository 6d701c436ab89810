"""`/api/admin/designs/{id}/files`: the brand's files of a design (tech packs, patterns,
artwork, images). Uploads are multipart (`files`, and `kind` for them all); they are
checked like a workshop's photos (size, type read from the bytes, an image's header).
A run names the design's files when it is made, so taking a file off a design never
changes what an existing run shows."""

from datetime import datetime

from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from pydantic import Field

from loomworks.api.admin_schemas import BODY_ERRORS, PathId, responses
from loomworks.api.schemas import Out
from loomworks.catalog import selectors as catalog_selectors
from loomworks.production import services
from loomworks.production.read_models import MediaView
from loomworks.production.run_records import admin_design_file, admin_design_files, media_view

router = Router(tags=["admin: partners and catalogue"])


class DesignFileOut(Out):
    id: str
    design_id: str
    kind: str = Field(description="tech_pack, pattern, artwork, image or other")
    name: str
    url: str
    preview_url: str = Field(
        description="a JPEG of at most 480 px for images (once made); the file itself otherwise"
    )
    content_type: str
    size: int
    is_image: bool
    uploaded_by: str
    created_at: datetime


class DesignFileList(Out):
    files: list[DesignFileOut]


def design_file_out(media: MediaView) -> dict:
    return {
        "id": media.id,
        "design_id": media.design_id,
        "kind": media.kind,
        "name": media.name,
        "url": media.url,
        "preview_url": media.preview_url,
        "content_type": media.content_type,
        "size": media.size,
        "is_image": media.is_image,
        "uploaded_by": media.uploaded_by,
        "created_at": media.created_at,
    }


@router.post(
    "/designs/{design_id}/files",
    response=responses({201: DesignFileList}, *BODY_ERRORS, 404, 413),
)
def design_files_add(
    request: HttpRequest,
    design_id: PathId,
    files: File[list[UploadedFile]],
    kind: Form[str] = "",
):
    """Attach files to a design (multipart `files`; `kind`: tech_pack, pattern, artwork,
    image or other, for them all; left out, an image is an image and a PDF a tech pack).
    JPEG, PNG, WebP, GIF or PDF, each within the upload limits (else 422 on `files`)."""
    design = catalog_selectors.design_get(design_id)
    created = services.design_files_add(design=design, actor=request.actor, files=files, kind=kind)
    return Status(201, {"files": [design_file_out(media_view(media)) for media in created]})


@router.get("/designs/{design_id}/files", response=responses({200: DesignFileList}, 404))
def design_files_list(request: HttpRequest, design_id: PathId):
    """The design's files, oldest first (those taken off are left out)."""
    catalog_selectors.design_get(design_id)
    return {"files": [design_file_out(media) for media in admin_design_files(design_id)]}


@router.delete("/designs/{design_id}/files/{file_id}", response=responses({204: None}, 404, 422))
def design_file_remove(request: HttpRequest, design_id: PathId, file_id: PathId):
    """Take a file off the design (audited). Runs made before keep showing it."""
    catalog_selectors.design_get(design_id)
    media = admin_design_file(design_id, file_id)
    services.design_file_remove(media=media, actor=request.actor)
    return Status(204, None)
