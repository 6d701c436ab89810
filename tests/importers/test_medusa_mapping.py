"""How one Medusa row reads in Loomworks (no database: these run on SQLite too)."""

from datetime import UTC, datetime

from loomworks.cli import build_parser
from loomworks.importers.medusa import mapping
from loomworks.importers.medusa.importer import Report, _safe_url

T = datetime(2026, 3, 1, tzinfo=UTC)


def row(**fields) -> dict:
    base = {
        "id": "prod_run_1", "status": "approved", "quantity": 10, "design_id": "design_1",
        "design_exists": True, "partner_id": "partner_1", "partner_exists": True,
        "parent_run_id": None, "parent_exists": False, "run_type": "production",
        "accepted_at": None, "started_at": None, "finished_at": None, "completed_at": None,
        "cancelled_at": None, "dispatch_state": "idle", "dispatch_template_names": None,
        "metadata": {}, "open_tasks": 0, "completions": 0, "open_children": 0, "children": 0,
        "missing_dependencies": 0, "unmet_dependencies": 0, "updated_at": T, "created_at": T,
    }  # fmt: skip
    base.update(fields)
    return base


def test_a_clean_run_has_no_flags():
    m = mapping.RunMapping(row())
    assert m.ok and m.flags == [] and m.quantity == 10


def test_records_that_cannot_be_imported_say_why():
    assert mapping.RunMapping(row(design_id=None)).refusal == "no design"
    assert "does not exist" in mapping.RunMapping(row(design_exists=False)).refusal
    assert "positive" in mapping.RunMapping(row(quantity=0)).refusal
    assert "positive" in mapping.RunMapping(row(quantity=float("nan"))).refusal
    assert "unknown status" in mapping.RunMapping(row(status="on_hold")).refusal


def test_legacy_metadata_fills_the_columns_it_became():
    m = mapping.RunMapping(
        row(
            status="in_progress",
            metadata={
                "acceptance": {"accepted_at": "2026-02-01T10:00:00Z"},
                "dispatch": {"state": "awaiting_templates"},
                "dispatch_template_names": ["Cutting"],
            },
        )
    )
    assert m.accepted_at == datetime(2026, 2, 1, 10, tzinfo=UTC)
    assert m.dispatch_state == "awaiting_templates"
    assert m.template_names == ["Cutting"]
    assert m.medusa_metadata()["dispatch_state"] == "awaiting_templates"


def test_a_completed_run_without_its_time_takes_updated_at():
    m = mapping.RunMapping(row(status="completed"))
    assert m.completed_at == T
    assert "completed_at taken from updated_at" in m.notes


def test_broken_records_are_flagged_not_fixed():
    m = mapping.RunMapping(row(status="completed", open_tasks=2, completions=2, open_children=1))
    assert m.run_status == "completed"
    assert m.flags == [
        "completed with 2 task(s) still open",
        "completed 2 times",
        "completed with 1 part(s) still open",
    ]
    m = mapping.RunMapping(row(status="in_progress", partner_id="gone", partner_exists=False))
    assert "its partner gone does not exist" in m.flags
    assert "in_progress without a partner" in m.flags
    # A parent holds no partner of its own: not a problem.
    parent = mapping.RunMapping(row(status="in_progress", partner_id=None, children=3))
    assert parent.flags == []
    assert mapping.RunMapping(row(quantity=2.5)).flags == ["quantity 2.5 rounded up to 3"]


def test_task_statuses():
    assert mapping.task_status("assigned") == "pending"
    assert mapping.task_status("completed") == "completed"
    assert mapping.task_status("blocked") is None


def test_the_report_hides_the_sources_password():
    assert (
        _safe_url("postgres://reader:s3cret@db:5432/medusa")
        == "postgres://reader:***@db:5432/medusa"
    )
    report = Report(dry_run=True, source="postgres://db/medusa")
    report.count("runs", "created", 3)
    report.refuse("run", "prod_run_9", "no design")
    text = "\n".join(report.lines())
    assert "Would import" in text and "run prod_run_9: no design" in text
    assert text.endswith("s.") and "Dry run: nothing was written." in text


def test_the_command_is_declared():
    args = build_parser().parse_args(
        ["import-medusa", "--from", "postgres://x/y", "--dry-run", "--batch-size", "50"]
    )
    assert (args.source, args.dry_run, args.send_invitations, args.batch_size) == (
        "postgres://x/y",
        True,
        False,
        50,
    )
