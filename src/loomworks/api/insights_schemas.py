"""What the scorecard routes accept and return, for the admin and the partner alike.

The numbers are `insights.scorecards.Scorecard`'s, decided once; here they are only
written out: counts as integers, shares as fractions (0.8333, four decimals), lead
times in hours (one decimal), money as strings with the currency's minor units. A
share or a lead time with nothing to count is null.
"""

import datetime

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ConfigDict

from loomworks.api.schemas import Out
from loomworks.core.errors import InvalidInput
from loomworks.insights.scorecards import DEFAULT_DAYS, Period, Scorecard
from loomworks.money.amounts import as_text


class ScorecardQuery(Schema):
    model_config = ConfigDict(populate_by_name=True)

    start: datetime.date | None = Field(
        None, alias="from", description="first day of the period (YYYY-MM-DD); default: 90 days ago"
    )
    end: datetime.date | None = Field(
        None, alias="to", description="last day of the period, included; default: today"
    )

    def period(self) -> Period:
        end = self.end or Period.last_days(DEFAULT_DAYS).end
        start = self.start or Period.last_days(DEFAULT_DAYS, end=end).start
        if end < start:
            raise InvalidInput("to", _("The period ends before it starts."))
        if (end - start).days > 366 * 5:
            raise InvalidInput("to", _("Ask for at most five years at a time."))
        return Period(start=start, end=end)


class RejectionCountOut(Out):
    reason: str
    label: str
    pieces: int


class CostPerPieceOut(Out):
    currency: str
    earned: str = Field(description="earned on the ledger for the runs handed over")
    pieces: int = Field(description="their good pieces")
    per_piece: str | None


class ScorecardOut(Out):
    model_config = ConfigDict(populate_by_name=True)

    partner_id: str
    partner_name: str
    from_: datetime.date = Field(alias="from")
    to: datetime.date
    accepted_runs: int
    accepted_pieces: int
    declined_runs: int
    decline_rate: float | None
    sent_to_accepted_hours: float | None
    handed_over_runs: int
    handed_over_pieces: int
    good_pieces: int
    rejected_pieces: int
    accepted_to_handed_over_hours: float | None
    with_promised_date: int
    on_time: int
    on_time_rate: float | None
    yield_rate: float | None
    rejection_rate: float | None
    rejections: list[RejectionCountOut]
    reworked_runs: int
    rework_rate: float | None
    cost_per_piece: list[CostPerPieceOut]


class ScorecardEnvelope(Out):
    scorecard: ScorecardOut


def _share(value) -> float | None:
    return None if value is None else round(float(value), 4)


def _hours(value: datetime.timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def scorecard_out(card: Scorecard) -> dict:
    return {
        "partner_id": card.partner_id,
        "partner_name": card.partner_name,
        "from": card.period.start,
        "to": card.period.end,
        "accepted_runs": card.accepted_runs,
        "accepted_pieces": card.accepted_pieces,
        "declined_runs": card.declined_runs,
        "decline_rate": _share(card.decline_rate),
        "sent_to_accepted_hours": _hours(card.sent_to_accepted),
        "handed_over_runs": card.handed_over_runs,
        "handed_over_pieces": card.handed_over_pieces,
        "good_pieces": card.good_pieces,
        "rejected_pieces": card.rejected_pieces,
        "accepted_to_handed_over_hours": _hours(card.accepted_to_handed_over),
        "with_promised_date": card.with_promise,
        "on_time": card.on_time,
        "on_time_rate": _share(card.on_time_rate),
        "yield_rate": _share(card.yield_rate),
        "rejection_rate": _share(card.rejection_rate),
        "rejections": [
            {"reason": line.reason, "label": line.label, "pieces": line.pieces}
            for line in card.rejections
        ],
        "reworked_runs": card.reworked_runs,
        "rework_rate": _share(card.rework_rate),
        "cost_per_piece": [
            {
                "currency": cost.currency,
                "earned": as_text(cost.amount, cost.currency),
                "pieces": cost.pieces,
                "per_piece": as_text(cost.per_piece, cost.currency),
            }
            for cost in card.costs
        ],
    }
