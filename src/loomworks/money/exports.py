"""What the exports of a partner's money hold: its whole ledger, and a period's statement.

Columns are defined here once; the console, the portal and the API write them
as CSV or XLSX with `core.exports`. Amounts are `Decimal` in the currency's
minor units with the currency in its own column, so a spreadsheet adds a
statement's lines up to the closing balance the page shows.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from loomworks.core.exports import Column, Export
from loomworks.money.amounts import rounded
from loomworks.money.selectors import Statement, entry_kind_label, ledger_stream

LEDGER_COLUMNS = (
    Column(_("Date"), lambda entry: entry.occurred_on, 12),
    Column(_("Kind"), entry_kind_label, 20),
    Column(_("Run"), lambda entry: entry.run_reference, 12),
    Column(_("Description"), lambda entry: entry.description, 40),
    Column(_("Amount"), lambda entry: entry.amount, 12),
    Column(_("Currency"), lambda entry: entry.currency, 8),
    Column(_("Reversed"), lambda entry: entry.reversed, 8),
    Column(_("Recorded by"), lambda entry: entry.actor_name, 24),
    Column(_("Recorded"), lambda entry: entry.created_at, 20),
    Column(_("Id"), lambda entry: entry.id, 30),
)


def ledger_export(partner) -> Export:
    return Export(
        name=f"ledger-{partner.handle}", columns=LEDGER_COLUMNS, rows=ledger_stream(partner.pk)
    )


@dataclass(frozen=True)
class StatementLine:
    """A line of a statement: an entry, or a currency's opening or closing balance."""

    date: datetime.date
    kind: str
    run_reference: str
    description: str
    amount: Decimal
    currency: str


STATEMENT_COLUMNS = (
    Column(_("Date"), lambda line: line.date, 12),
    Column(_("Kind"), lambda line: line.kind, 20),
    Column(_("Run"), lambda line: line.run_reference, 12),
    Column(_("Description"), lambda line: line.description, 40),
    Column(_("Amount"), lambda line: line.amount, 12),
    Column(_("Currency"), lambda line: line.currency, 8),
)


def statement_lines(statement: Statement) -> Iterator[StatementLine]:
    """Per currency: the opening balance, the period's entries, the closing balance."""
    for part in statement.currencies:
        yield StatementLine(
            statement.start,
            str(_("Opening balance")),
            "",
            "",
            rounded(part.opening, part.currency),
            part.currency,
        )
        for entry in part.entries:
            yield StatementLine(
                entry.occurred_on,
                entry_kind_label(entry),
                entry.run_reference,
                entry.description,
                entry.amount,
                entry.currency,
            )
        yield StatementLine(
            statement.end,
            str(_("Closing balance")),
            "",
            "",
            rounded(part.closing, part.currency),
            part.currency,
        )


def statement_export(partner, statement: Statement) -> Export:
    start, end = statement.start.isoformat(), statement.end.isoformat()
    return Export(
        name=f"statement-{partner.handle}-{start}-{end}",
        columns=STATEMENT_COLUMNS,
        rows=statement_lines(statement),
    )
