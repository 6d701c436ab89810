"""How the portal groups a workshop's runs: the chips of "My runs" and the "new" marker.

Every row comes from the domain's read model for partners
(`production.partner_selectors`); this module only names the groups of
statuses the chips show and asks for them.
"""

from django.db.models import Count, Q

from loomworks.production.models import RunStatus, RunType
from loomworks.production.read_models import PartnerRun
from loomworks.production.selectors import runs_visible_to

RUNS_PER_PAGE = 20

# The chips of "My runs": which statuses each one shows.
SHOWS = {
    "open": (RunStatus.APPROVED, RunStatus.SENT_TO_PARTNER, RunStatus.IN_PROGRESS),
    "waiting": (RunStatus.APPROVED, RunStatus.SENT_TO_PARTNER),
    "in_progress": (RunStatus.IN_PROGRESS,),
    "done": (RunStatus.COMPLETED, RunStatus.CANCELLED),
}
DEFAULT_SHOW = "open"
RUN_TYPES = tuple(RunType.values)


def my_run_counts(partner, *, run_type: str | None = None) -> dict[str, int]:
    """How many of the partner's runs each chip holds, in one query."""
    runs = runs_visible_to(partner)
    if run_type in RUN_TYPES:
        runs = runs.filter(run_type=run_type)
    counts = runs.aggregate(
        **{show: Count("pk", filter=Q(status__in=statuses)) for show, statuses in SHOWS.items()}
    )
    return {show: counts[show] or 0 for show in SHOWS}


def is_new(run: PartnerRun, last_seen) -> bool:
    """Sent (or re-sent) to the partner since the member last looked at the list."""
    if run.sent_at is None:
        return False
    if last_seen is None:
        return run.status == RunStatus.SENT_TO_PARTNER
    return run.sent_at > last_seen
