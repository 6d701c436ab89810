"""Downloads for the console and the portal: the Export menu's links, and the answer to
a download whose format is asked in the query (`?format=csv|xlsx`, `&bom=1` for a CSV
that older Excel opens as UTF-8). What each export holds is the domain's
(`production.exports`, `money.exports`); `core.exports` writes it."""

from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loomworks.core.exports import CSV, FORMATS, XLSX, Export, export_response

FORMAT_LABELS = {CSV: gettext_lazy("CSV"), XLSX: gettext_lazy("Excel (XLSX)")}


def export_links(url: str) -> list[dict]:
    """The Export menu: `url` (which may carry a query already) in each format."""
    joiner = "&" if "?" in url else "?"
    return [
        {"label": FORMAT_LABELS[file_format], "url": f"{url}{joiner}format={file_format}"}
        for file_format in FORMATS
    ]


def requested_format(request) -> str | None:
    """The format asked for (CSV when none is); None for one we do not write."""
    file_format = request.GET.get("format") or CSV
    return file_format if file_format in FORMATS else None


def download(request, export: Export) -> HttpResponse:
    """The export in the format the query asks for; 400 naming `format` for another."""
    file_format = requested_format(request)
    if file_format is None:
        return HttpResponseBadRequest(
            _("format: ask for csv or xlsx."), content_type="text/plain; charset=utf-8"
        )
    return export_response(export, file_format=file_format, bom=bool(request.GET.get("bom")))
