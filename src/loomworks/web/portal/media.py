"""Uploaded files, behind the same scope as the pages that show them.

Brand admins may open any file. A partner member may open exactly the files
its read model lists (`partner_selectors.media_visible_to`): the brand's
files of its runs' designs, and the files on its own runs uploaded by the
brand or its own members, never another workshop's. Everyone else, and every
other file, gets 404: a file's existence is not confirmed to those who may
not see it.
"""

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.db.models import Q
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET
from django.views.static import serve

from loomworks.production.models import MediaFile
from loomworks.production.partner_selectors import partner_media_file
from loomworks.web.portal.access import active_membership


def _harden(response):
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _file_response(media: MediaFile, path: str):
    """The file itself, or its preview when `path` names that (a JPEG we made)."""
    wants_preview = bool(media.preview) and path == media.preview.name
    stored, content_type = (
        (media.preview, "image/jpeg") if wants_preview else (media.file, media.content_type)
    )
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    # The type was sniffed from the bytes at upload; the file name does not decide it.
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = "inline"
    if not media.is_image:
        response["Content-Security-Policy"] = "sandbox"
    return _harden(response)


@require_GET
def protected_media(request, path: str):
    user = request.user
    if not user.is_authenticated:
        raise Http404
    if user.is_admin:
        media = MediaFile.objects.filter(Q(file=path) | Q(preview=path)).first()
        if media is not None:
            return _file_response(media, path)
        try:
            response = serve(request, path, document_root=settings.MEDIA_ROOT)
        except SuspiciousFileOperation:
            raise Http404 from None
        response["Content-Security-Policy"] = "sandbox"
        return _harden(response)
    membership = active_membership(user)
    if membership is None:
        raise Http404
    media = partner_media_file(membership.partner, path)
    if media is None:
        raise Http404
    return _file_response(media, path)
