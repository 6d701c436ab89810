"""A partner's statement as CSV, the same for the console and the portal.

Per currency: an opening line, the period's entries, a closing line; amounts
as plain decimals in the currency's minor units, so a spreadsheet adds them up
to the closing balance the page shows.
"""

import csv

from django.http import HttpResponse
from django.utils.translation import gettext as _

from loomworks.money.amounts import as_text
from loomworks.web.templatetags.loomworks import entry_kind

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text_cell(value: str) -> str:
    """Text a spreadsheet must not read as a formula (a reason typed as "=HYPERLINK(…)")."""
    value = str(value or "")
    return "'" + value if value.startswith(_FORMULA_START) else value


def statement_csv(partner, statement) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"statement-{partner.handle}-{statement.start.isoformat()}-{statement.end.isoformat()}"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerow([_("Date"), _("Kind"), _("Run"), _("Description"), _("Amount"), _("Currency")])
    for part in statement.currencies:
        writer.writerow(
            [
                statement.start.isoformat(),
                _("Opening balance"),
                "",
                "",
                as_text(part.opening, part.currency),
                part.currency,
            ]
        )
        for entry in part.entries:
            writer.writerow(
                [
                    entry.occurred_on.isoformat(),
                    _text_cell(entry_kind(entry)),
                    _text_cell(entry.run_reference),
                    _text_cell(entry.description),
                    as_text(entry.amount, entry.currency),
                    entry.currency,
                ]
            )
        writer.writerow(
            [
                statement.end.isoformat(),
                _("Closing balance"),
                "",
                "",
                as_text(part.closing, part.currency),
                part.currency,
            ]
        )
    return response
