"""One action on many runs at once: the console's runs table and
`POST /api/admin/production-runs/bulk`.

Each run goes through the single-run service (`run_approve`, `run_dispatch`,
`run_reassign`, `run_cancel`, so through `states.transition`) in a transaction
of its own: a run the action does not fit is refused with the reason the
single-run action gives, and left exactly as it was, while the others go on.
Input is checked before any run is touched, so bad input changes nothing.
Each run keeps the history rows the single-run action writes; the request
itself leaves one audit row (the actor, what was asked, the counts and each
run's outcome), which the result page reads back (`selectors.bulk_result`).
"""

import dataclasses
from collections.abc import Sequence

from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from loomworks.core.actors import Actor
from loomworks.core.audit import audit_record
from loomworks.core.errors import DomainError, InvalidInput
from loomworks.core.ids import new_id
from loomworks.core.limits import MAX_BULK_RUNS, MAX_REASON
from loomworks.partners.models import Partner
from loomworks.production.models import ProductionRun
from loomworks.production.read_models import (
    BULK_AUDIT_TARGET,
    BULK_DONE,
    BULK_REFUSED,
    BULK_UNCHANGED,
    BulkResult,
    BulkRunOutcome,
)
from loomworks.production.selectors import RunFilters, run_list
from loomworks.production.services.approval import run_approve
from loomworks.production.services.checks import active_partner
from loomworks.production.services.dispatch import run_dispatch
from loomworks.production.services.lifecycle import run_cancel, run_reassign
from loomworks.work import services as work

BULK_ACTIONS = ("approve", "dispatch", "reassign", "cancel")


@dataclasses.dataclass(frozen=True)
class _Parameters:
    template_ids: tuple[str, ...] = ()
    partner: Partner | None = None
    reason: str = ""
    note: str = ""


def _counted(count: int) -> str:
    return number_format(count, force_grouping=True)


def bulk_limit_error(count: int, field: str) -> InvalidInput:
    """The answer to a selection above `MAX_BULK_RUNS`, saying what to do instead."""
    return InvalidInput(
        field,
        _(
            "One bulk action takes at most %(max)s runs; this one would touch %(count)s. "
            "Narrow the filters (a status, a partner, a run type) and repeat the action "
            "for each part, or send the run ids in batches of %(max)s."
        )
        % {"max": _counted(MAX_BULK_RUNS), "count": _counted(count)},
    )


def _checked(action: str, parameters: _Parameters) -> _Parameters:
    if action not in BULK_ACTIONS:
        raise InvalidInput(
            "action", _("Choose an action: %(actions)s.") % {"actions": ", ".join(BULK_ACTIONS)}
        )
    if action == "dispatch":
        if not parameters.template_ids:
            raise InvalidInput("template_ids", _("Choose at least one task template."))
        # Unknown ids are refused here; an archived template may still go to a run
        # whose approval planned it, which `run_dispatch` decides run by run.
        work.templates_by_ids(list(parameters.template_ids), planned=parameters.template_ids)
    if action == "reassign":
        if parameters.partner is None:
            raise InvalidInput("partner_id", _("Choose a partner."))
        active_partner(parameters.partner)
    if action == "cancel":
        reason = parameters.reason.strip()
        if not reason:
            raise InvalidInput(
                "reason", _("Give the reason; the partner and the history will show it.")
            )
        if len(reason) > MAX_REASON:
            raise InvalidInput(
                "reason",
                _("Keep the reason to %(max)s characters.") % {"max": _counted(MAX_REASON)},
            )
        parameters = dataclasses.replace(parameters, reason=reason)
    return parameters


def _selection(run_ids: Sequence[str] | None, filters: RunFilters | None) -> list[tuple[str, int]]:
    """(id, number) of each run to act on, in the order they are taken."""
    if (run_ids is None) == (filters is None):
        raise InvalidInput(
            "run_ids", _("Name the runs (run ids) or give the list's filters: one of the two.")
        )
    if filters is not None:
        # The runs list's own filter code, so "all that match" is what the list shows.
        runs = run_list(filters)
        rows = list(runs.values_list("pk", "number")[: MAX_BULK_RUNS + 1])
        if len(rows) > MAX_BULK_RUNS:
            raise bulk_limit_error(runs.count(), "filter")
        return rows
    ids = list(dict.fromkeys(str(run_id) for run_id in run_ids))
    if not ids:
        raise InvalidInput("run_ids", _("Choose at least one run."))
    if len(ids) > MAX_BULK_RUNS:
        raise bulk_limit_error(len(ids), "run_ids")
    numbers = dict(ProductionRun.objects.filter(pk__in=ids).values_list("pk", "number"))
    for index, run_id in enumerate(run_ids):
        if str(run_id) not in numbers:
            raise InvalidInput(
                f"run_ids[{index}]", _("No production run with id %(id)s.") % {"id": run_id}
            )
    return sorted(numbers.items(), key=lambda item: item[1])


def _act(action: str, run: ProductionRun, actor: Actor, parameters: _Parameters):
    """The single-run service for `action`; returns the run as it left it."""
    if action == "approve":
        return run_approve(run=run, actor=actor).run
    if action == "dispatch":
        return run_dispatch(run=run, template_ids=list(parameters.template_ids), actor=actor).run
    if action == "reassign":
        return run_reassign(run=run, partner=parameters.partner, actor=actor, note=parameters.note)
    return run_cancel(run=run, actor=actor, reason=parameters.reason).run


def _one_run(
    action: str, run_id: str, number: int, actor: Actor, parameters: _Parameters
) -> BulkRunOutcome:
    """Apply the action to one run in its own transaction; a refusal undoes only this run."""
    reference = f"PR-{number}"
    status = ""
    try:
        with transaction.atomic():
            run = ProductionRun.objects.select_for_update().filter(pk=run_id).first()
            if run is None:
                return BulkRunOutcome(
                    run_id=run_id,
                    reference=reference,
                    outcome=BULK_REFUSED,
                    detail=_("%(ref)s no longer exists.") % {"ref": reference},
                )
            status, before = run.status, run.updated_at
            after = _act(action, run, actor, parameters)
    except DomainError as error:
        return BulkRunOutcome(
            run_id=run_id,
            reference=reference,
            outcome=BULK_REFUSED,
            detail=error.detail,
            status=status,
        )
    if after.updated_at == before:
        # A repeated action is a quiet no-op (a cancelled run cancelled again).
        return BulkRunOutcome(
            run_id=run_id,
            reference=reference,
            outcome=BULK_UNCHANGED,
            detail=_("%(ref)s is already where this action would take it.") % {"ref": reference},
            status=after.status,
        )
    return BulkRunOutcome(
        run_id=run_id, reference=reference, outcome=BULK_DONE, status=after.status
    )


def _filters_record(filters: RunFilters) -> dict:
    return {
        name: value
        for name, value in dataclasses.asdict(filters).items()
        if value not in (None, "", False)
    }


def runs_bulk_apply(
    *,
    action: str,
    actor: Actor,
    run_ids: Sequence[str] | None = None,
    filters: RunFilters | None = None,
    template_ids: Sequence[str] = (),
    partner: Partner | None = None,
    reason: str = "",
    note: str = "",
) -> BulkResult:
    """Apply `action` (approve, dispatch, reassign, cancel) to the runs named by
    `run_ids`, or to every run `filters` matches (the runs list's filters), at most
    `MAX_BULK_RUNS`.

    `dispatch` takes `template_ids` (in order), `reassign` a `partner` (and a
    `note`), `cancel` a `reason`. Not atomic on purpose: each run is its own
    transaction, and the result says what happened to each.
    """
    parameters = _checked(
        action,
        _Parameters(
            template_ids=tuple(template_ids or ()),
            partner=partner,
            reason=reason or "",
            note=note or "",
        ),
    )
    selection = _selection(run_ids, filters)
    outcomes = tuple(
        _one_run(action, run_id, number, actor, parameters) for run_id, number in selection
    )
    bulk_id = new_id("bulk")
    filters_record = _filters_record(filters) if filters is not None else None
    counts = dict.fromkeys((BULK_DONE, BULK_UNCHANGED, BULK_REFUSED), 0)
    for outcome in outcomes:
        counts[outcome.outcome] += 1
    with transaction.atomic():
        entry = audit_record(
            actor=actor,
            action=f"production_run.bulk_{action}",
            target_type=BULK_AUDIT_TARGET,
            target_id=bulk_id,
            details={
                "action": action,
                "selection": {"filter": filters_record}
                if filters is not None
                else {"run_ids": len(selection)},
                "parameters": {
                    "template_ids": list(parameters.template_ids),
                    "partner_id": parameters.partner.pk if parameters.partner else None,
                    "reason": parameters.reason,
                    "note": parameters.note,
                },
                "counts": counts,
                "runs": [[o.run_id, o.reference, o.outcome, o.detail, o.status] for o in outcomes],
            },
        )
    return BulkResult(
        id=bulk_id,
        action=action,
        actor_name=entry.actor_name,
        occurred_at=entry.occurred_at,
        runs=outcomes,
        filters=filters_record,
    )
