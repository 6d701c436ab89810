"""`/api/admin`: partner scorecards.

Admins only (API keys with the `payables:read` scope: a scorecard carries what
the partner earned per piece). The numbers come from `insights.scorecards`,
the same as the console's partner page.
"""

from django.http import HttpRequest
from ninja import Query, Router

from loomworks.api.admin_schemas import PathId, responses
from loomworks.api.insights_schemas import ScorecardEnvelope, ScorecardQuery, scorecard_out
from loomworks.insights.scorecards import partner_scorecard
from loomworks.partners import selectors as partner_selectors

router = Router(tags=["admin: partner scorecards"])


@router.get(
    "/partners/{partner_id}/scorecard",
    response=responses({200: ScorecardEnvelope}, 404, 422),
    by_alias=True,
)
def scorecard(request: HttpRequest, partner_id: PathId, period: Query[ScorecardQuery]):
    """The partner's scorecard for a period (`from`/`to`, default the last 90 days): runs
    accepted and declined, lead times, on time, yield and rejections per reason, rework
    and cost per piece."""
    chosen = period.period()
    partner = partner_selectors.partner_get(partner_id)
    return {"scorecard": scorecard_out(partner_scorecard(partner, chosen))}
