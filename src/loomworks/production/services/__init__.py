"""Every write to production runs: one function per action, with an explicit actor.

Status changes go through `states.transition()`; the services decide what
else an action does (make children, create tasks, cancel tasks, follow the
parent) and validate input first, so a refused action writes nothing.

One module per concept; callers keep writing `services.run_approve(...)`:

- `snapshots`: what a run keeps of its design;
- `approval`: create, edit, approve (and split), create from a design;
- `dispatch`: send to the partner with tasks, add tasks (a redo);
- `lifecycle`: accept, decline, start, finish, complete, reassign, cancel;
- `task_work`: work and comment on a run's tasks;
- `output`: deliveries of good and rejected pieces, the hand-over, corrections;
- `rework`: rejected pieces remade in a linked run;
- `next_step`: a dependent step's quantity follows what was delivered before it;
- `consumption`: material logged on a run (and corrected by the workshop);
- `media`: photos and PDFs;
- `policy`: which statuses each admin action may start from;
- `orders`: cancelling a store order and the runs it made;
- `bulk`: one action (approve, dispatch, reassign, cancel) on many runs, each on its own.
"""

from loomworks.production.outputs import rejected_left_to_rework
from loomworks.production.services.approval import (
    EDITABLE_FIELDS,
    ApproveResult,
    Assignment,
    run_approve,
    run_create,
    run_create_from_design,
    run_update,
)
from loomworks.production.services.bulk import BULK_ACTIONS, bulk_limit_error, runs_bulk_apply
from loomworks.production.services.consumption import consumption_log_add, consumption_log_correct
from loomworks.production.services.design_files import (
    design_file_remove,
    design_files_add,
)
from loomworks.production.services.dispatch import (
    DispatchResult,
    run_add_tasks,
    run_dispatch,
    run_reassign_and_dispatch,
)
from loomworks.production.services.lifecycle import (
    DECLINE_REASONS,
    CancelResult,
    run_accept,
    run_cancel,
    run_complete,
    run_decline,
    run_finish,
    run_reassign,
    run_start,
)
from loomworks.production.services.media import media_add
from loomworks.production.services.next_step import run_quantity_confirm
from loomworks.production.services.orders import (
    RUN_IN_WORK,
    CancelOrderResult,
    RunOutcome,
    order_cancel,
)
from loomworks.production.services.output import (
    DeliveryResult,
    Rejection,
    delivery_correct,
    delivery_record,
)
from loomworks.production.services.policy import output_policy_update, policy_update
from loomworks.production.services.rework import run_rework
from loomworks.production.services.snapshots import design_snapshot
from loomworks.production.services.task_work import (
    run_subtask_check,
    run_subtask_complete,
    run_subtask_reopen,
    run_task_accept,
    run_task_finish,
    task_comment_add,
)

__all__ = [
    "BULK_ACTIONS",
    "DECLINE_REASONS",
    "EDITABLE_FIELDS",
    "RUN_IN_WORK",
    "ApproveResult",
    "Assignment",
    "CancelOrderResult",
    "CancelResult",
    "DeliveryResult",
    "DispatchResult",
    "Rejection",
    "RunOutcome",
    "bulk_limit_error",
    "consumption_log_add",
    "consumption_log_correct",
    "delivery_correct",
    "delivery_record",
    "design_file_remove",
    "design_files_add",
    "design_snapshot",
    "media_add",
    "order_cancel",
    "output_policy_update",
    "policy_update",
    "rejected_left_to_rework",
    "run_accept",
    "run_add_tasks",
    "run_approve",
    "run_cancel",
    "run_complete",
    "run_create",
    "run_create_from_design",
    "run_decline",
    "run_dispatch",
    "run_finish",
    "run_quantity_confirm",
    "run_reassign",
    "run_reassign_and_dispatch",
    "run_rework",
    "run_start",
    "run_subtask_check",
    "run_subtask_complete",
    "run_subtask_reopen",
    "run_task_accept",
    "run_task_finish",
    "run_update",
    "runs_bulk_apply",
    "task_comment_add",
]
