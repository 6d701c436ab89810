"""The job sheet page, shared by the console and the portal: the sheet's content comes
from `production.job_sheet` (built from the audience's read model); this module adds
the QR code and lays the matrix out.

The QR code is an inline SVG made by segno on the server: printing the sheet needs no
request to anyone. It holds the run's page in the portal as an absolute address
(`SITE_URL`), so a phone held over the paper opens the run.
"""

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import mark_safe

from loomworks.production.job_sheet import JobSheet
from loomworks.web.matrix import matrix_table


def portal_run_url(run_id: str) -> str:
    """The run's page in the portal, as an absolute address."""
    return settings.SITE_URL.rstrip("/") + reverse("portal:run", args=[run_id])


def qr_svg(url: str) -> str:
    """The address as a QR code, an SVG element to put in the page as it is."""
    code = segno.make(url, error="m")
    return code.svg_inline(
        scale=3, border=2, dark="#000", light="#fff", svgclass="sheet-qr__code", omitsize=True
    )


def sheet_context(sheet: JobSheet, *, audience: str) -> dict:
    url = portal_run_url(sheet.run.id)
    return {
        "sheet": sheet,
        "run": sheet.run,
        "matrix": matrix_table(
            sheet.run.size_quantities, sizes=sheet.sizes, colors=sheet.colors_of_matrix
        ),
        "portal_url": url,
        "qr": mark_safe(qr_svg(url)),  # segno's own SVG of our own URL: nothing typed by anyone
        "audience": audience,
    }
