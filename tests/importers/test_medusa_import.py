"""`loomworks import-medusa` against a real Medusa-shaped database (PostgreSQL only).

The source is built in a schema of the test database (`medusa_source.build`),
read through its own read-only connection, as the command would.
"""

import psycopg
import pytest
from django.apps import apps
from django.db import connection

from loomworks.catalog.models import Design, DesignColor, DesignMaterial, Material
from loomworks.core.models import AuditEntry
from loomworks.events.models import Event
from loomworks.importers.medusa.importer import import_medusa
from loomworks.partners.models import Partner, PartnerMember
from loomworks.production.models import ConsumptionLog, ProductionRun, RunDependency, RunHistory
from loomworks.work.models import Task, TaskComment, TaskTemplate
from tests.api.partner_support import PartnerApi
from tests.factories import AdminFactory
from tests.importers import medusa_source

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

SCHEMA = "medusa_source"


def _url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgresql://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def source():
    url = _url()
    with psycopg.connect(url) as conn:
        built = medusa_source.build(conn, schema=SCHEMA)
    yield built
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


def run_import(**options):
    return import_medusa(_url(), schema=SCHEMA, batch_size=25, **options)


def table_counts() -> dict:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label
        in ("partners", "accounts", "catalog", "work", "production", "events", "core")
    }


def ref(external_ref: str) -> ProductionRun:
    return ProductionRun.objects.get(external_ref=external_ref)


def test_the_import_maps_every_record(source):
    AdminFactory(email="taken@loomworks.test")  # someone here has that e-mail already
    report = run_import()

    # Partners and members: the deleted partner and its admin are not taken.
    assert set(Partner.objects.values_list("external_ref", "status")) == {
        ("partner_nord", "active"),
        ("partner_sul", "active"),
        ("partner_weave", "inactive"),
        ("partner_new", "pending"),
    }
    members = PartnerMember.objects.exclude(external_ref="").select_related("user")
    assert members.count() == 8
    owner = members.get(external_ref="padm_partner_nord_owner")
    assert (owner.role, owner.user.email) == ("owner", "owner@atelier-nord.test")
    assert not owner.user.has_usable_password()
    assert not members.get(external_ref="padm_partner_sul_mgr").is_active

    # Catalogue.
    assert Design.objects.exclude(external_ref="").count() == 10
    assert set(Design.objects.values_list("status", flat=True)) == set(
        medusa_source.DESIGN_STATUSES
    )
    design = Design.objects.get(external_ref="design_0")
    assert design.specifications.count() == 2 and design.size_sets.count() == 3
    assert "Ease +2" in design.specifications.get(title="Chest").details
    assert DesignColor.objects.get(design=design, name="Indigo").hex_code == ""  # not a colour
    assert DesignMaterial.objects.filter(design__external_ref="design_3").count() == 2
    assert Material.objects.get(external_ref="iitem_0").unit == "m"
    assert Material.objects.get(external_ref="iitem_3").sku == "medusa-iitem_3"
    assert TaskTemplate.objects.get(external_ref="ttpl_cut").category == "Cutting"

    # Every status, and the lifecycle.
    source_runs = [r for r in source.rows["production_runs"] if not r.get("deleted_at")]
    refused_runs = {ref_id for kind, ref_id, _ in report.refused if kind == "run"}
    assert refused_runs == {
        "prod_run_no_design",
        "prod_run_missing_design",
        "prod_run_zero_quantity",
        "prod_run_unknown_status",
        "prod_run_bad_design_status",
    }
    imported = ProductionRun.objects.exclude(external_ref="")
    assert imported.count() == len(source_runs) - len(refused_runs)
    for status in medusa_source.RUN_STATUSES:
        assert ref(f"prod_run_{status}").status == status
    finished = ref("prod_run_in_progress_finished")
    assert finished.accepted_at and finished.started_at and finished.finished_at
    assert finished.metadata["medusa"]["lifecycle_transaction_id"] == "wf_123"
    assert ref("prod_run_cancelled").cancelled_reason == "Admin cancelled"
    parked = ref("prod_run_awaiting_reassignment")
    assert parked.partner is None and parked.previous_partner.external_ref == "partner_nord"
    sample = ref("prod_run_sample")
    assert sample.run_type == "sample"
    assert sample.metadata["medusa"]["order_line_item_id"] == "oli_1"

    # Legacy sub-states and metadata keys.
    legacy = ref("prod_run_legacy_accepted")
    assert legacy.accepted_at is not None
    assert legacy.metadata["medusa"]["metadata"]["source"] == "order.placed"
    waiting = ref("prod_run_legacy_awaiting")
    assert waiting.status == "approved"
    assert waiting.metadata["medusa"]["dispatch_state"] == "awaiting_templates"
    cutting, stitching = (
        TaskTemplate.objects.get(external_ref=r) for r in ("ttpl_cut", "ttpl_sew")
    )
    assert waiting.planned_template_ids == [cutting.pk, stitching.pk]
    assert ref("prod_run_completed_legacy").completed_at is not None
    assert ref("prod_run_dispatch_done").last_sent_at is not None
    assert report.notes["accepted_at taken from metadata.acceptance"] == 1
    assert report.notes["completed_at taken from updated_at"] == 1

    # Parents, roles, dependencies, snapshots.
    parent = ref("prod_run_parent")
    children = {c.external_ref: c for c in parent.children.all()}
    assert set(children) == {"prod_run_child_cut", "prod_run_child_weave", "prod_run_child_tailor"}
    assert children["prod_run_child_weave"].role == "weaving"
    assert set(
        RunDependency.objects.filter(run=children["prod_run_child_tailor"]).values_list(
            "depends_on__external_ref", flat=True
        )
    ) == {"prod_run_child_cut", "prod_run_child_weave"}
    assert parent.snapshot["design"]["id"] == "design_3"
    assert ref("prod_run_open_child").parent.external_ref == "prod_run_completed_parent"

    # Broken records: imported as they were, flagged and listed.
    flagged = {medusa_id: flags for medusa_id, _ours, flags in report.flagged}
    expected = {
        "prod_run_completed_open_tasks": "completed with 1 task(s) still open",
        "prod_run_completed_twice": "completed 2 times",
        "prod_run_dangling_partner": "its partner partner_missing does not exist",
        "prod_run_dangling_parent": "its parent run prod_run_missing does not exist",
        "prod_run_dangling_dependency": "depends on 1 run(s) that do not exist",
        "prod_run_sent_too_early": "sent before the runs it depends on were completed",
        "prod_run_fractional": "quantity 2.5 rounded up to 3",
        "prod_run_completed_parent": "completed with 1 part(s) still open",
        "prod_run_ambiguous_template": "template 'Finishing' is ambiguous (two share it)",
    }
    for medusa_id, flag in expected.items():
        assert flag in flagged[medusa_id], medusa_id
        assert flag in ref(medusa_id).import_flags
    assert ref("prod_run_completed_open_tasks").status == "completed"
    assert ref("prod_run_fractional").quantity == 3
    assert "prod_run_parent" not in flagged  # a parent has no partner of its own

    # History: created, imported, and Medusa's own activity.
    kinds = list(ref("prod_run_completed").history.values_list("kind", flat=True))
    assert "created" in kinds and kinds[-1] == "imported"
    assert {
        "dispatch",
        "accept",
        "start",
        "finish",
        "complete",
        "medusa_whatsapp_message_logged",
    } <= set(kinds)
    assert RunHistory.objects.filter(kind="imported").count() == imported.count()
    assert RunHistory.objects.filter(kind="imported_comment").exists()

    # Tasks: containers folded away, template tasks at the top, checklists under them.
    run = ref("prod_run_in_progress_finished")
    top = run.tasks.filter(parent__isnull=True)
    assert [t.title for t in top.order_by("position")] == ["Cutting", "Stitching"]
    assert {t.status for t in top} == {"completed", "in_progress"}
    assert all(t.subtasks.count() == 1 for t in top)
    assert all(t.partner.external_ref == "partner_nord" for t in run.tasks.all())
    assert not Task.objects.filter(title__startswith="production-run-").exists()
    assert ref("prod_run_in_progress_started").tasks.filter(status="pending").exists()  # assigned
    comment = TaskComment.objects.get(external_ref="comment_prod_run_in_progress_0")
    assert (comment.author_kind, comment.body) == ("partner", "Started cutting")
    assert Task.objects.get(external_ref="task_partner_only").partner.external_ref == "partner_sul"

    # Consumption.
    assert ConsumptionLog.objects.count() == 3
    log = ConsumptionLog.objects.get(external_ref="clog_0")
    assert (str(log.quantity), log.unit, log.run.external_ref) == (
        "1.250",
        "m",
        "prod_run_in_progress",
    )

    # Everything that could not be imported is listed with its reason.
    refused = {(kind, ref_id) for kind, ref_id, _ in report.refused}
    assert {
        ("partner admin", "padm_orphan"),
        ("partner admin", "padm_taken"),
        ("design", "design_unknown_status"),
        ("design material", "dii_0_b"),
        ("task", "task_orphan_run"),
        ("task", "task_weird_status"),
        ("consumption log", "clog_design_only"),
        ("consumption log", "clog_zero"),
        ("consumption log", "clog_unknown_item"),
        ("run activity", "prun_act_lost"),
    } <= refused
    text = "\n".join(report.lines())
    assert "prod_run_completed_twice" in text and "clog_design_only" in text
    assert AuditEntry.objects.filter(action="medusa.import").count() == 1
    # No invitation without --send-invitations.
    assert not Event.objects.filter(name="partner_member.invited").exists()


def test_a_second_import_updates_instead_of_duplicating(source):
    first = run_import()
    counts = table_counts()
    second = run_import()
    after = table_counts()
    after["core.AuditEntry"] -= 1  # the second import's own audit row
    assert after == counts
    assert second.counts["runs"]["created"] == 0
    # Nothing changed in Medusa in between: nothing to write.
    assert second.counts["runs"]["unchanged"] == first.counts["runs"]["created"]
    assert second.counts["runs"]["updated"] == 0
    assert second.counts["tasks"]["created"] == 0
    assert second.counts["tasks"]["updated"] == 0
    assert second.counts["partner members"]["updated"] == 0
    # Checklist items keep the run and partner they took from their task.
    assert not Task.objects.filter(parent__isnull=False, run__isnull=True).exists()
    assert len(second.flagged) == len(first.flagged)

    # Medusa moved on meanwhile: the next import brings the change, and only it.
    with psycopg.connect(_url()) as conn:
        conn.execute(
            f"UPDATE {SCHEMA}.production_runs SET quantity = 42, status = 'sent_to_partner'"
            " WHERE id = 'prod_run_approved'"
        )
    third = run_import()
    assert third.counts["runs"]["updated"] == 1
    moved = ref("prod_run_approved")
    assert (moved.quantity, moved.status) == (42, "sent_to_partner")


def test_a_run_moved_on_in_loomworks_is_left_alone_by_the_next_import(source):
    run_import()
    run = ref("prod_run_in_progress_finished")
    member = PartnerMember.objects.get(external_ref="padm_partner_nord_owner")
    assert PartnerApi(member.user).post(f"/production-runs/{run.pk}/complete").status_code == 200
    report = run_import()
    assert ref("prod_run_in_progress_finished").status == "completed"
    assert report.counts["runs"]["kept (changed here since)"] == 1


def test_the_dry_run_writes_nothing_and_says_what_it_would_do(source):
    before = table_counts()
    report = run_import(dry_run=True, send_invitations=True)
    assert table_counts() == before
    assert report.dry_run and report.counts["runs"]["created"] > 50
    assert any(r[1] == "prod_run_no_design" and r[2] == "no design" for r in report.refused)
    assert report.invitations == 0
    assert "Dry run: nothing was written." in report.lines()


def test_invitations_go_to_imported_members_only_when_asked(source):
    run_import(send_invitations=True)
    invited = Event.objects.filter(name="partner_member.invited")
    # Nine members imported (nobody here has taken@ yet); the inactive one is not invited.
    assert PartnerMember.objects.exclude(external_ref="").count() == 9
    assert invited.count() == 8
    inactive = PartnerMember.objects.get(external_ref="padm_partner_sul_mgr")
    assert not invited.filter(aggregate_id=inactive.pk).exists()


def test_an_imported_in_progress_run_is_completed_by_its_partner_through_the_api(source):
    run_import()
    run = ref("prod_run_legacy_accepted")
    assert run.status == "in_progress"
    member = PartnerMember.objects.get(external_ref="padm_partner_nord_mgr")
    api = PartnerApi(member.user)
    base = f"/production-runs/{run.pk}"
    for action in ("start", "finish", "complete"):
        response = api.post(f"{base}/{action}")
        assert response.status_code == 200, response.content
    assert response.json()["production_run"]["status"] == "completed"
    kinds = list(ref("prod_run_legacy_accepted").history.values_list("kind", flat=True))
    assert kinds[-3:] == ["start", "finish", "complete"]
    # Another partner's member cannot see it.
    other = PartnerMember.objects.get(external_ref="padm_partner_sul_owner")
    assert PartnerApi(other.user).get(base).status_code == 404


def test_the_console_shows_a_flagged_runs_problems(source, client):
    run_import()
    client.force_login(AdminFactory())
    run = ref("prod_run_completed_twice")
    page = client.get(f"/admin/production-runs/{run.pk}/")
    assert page.status_code == 200
    assert "completed 2 times" in page.content.decode()
