"""One truth per audience: the API and the pages show each person the same facts.

A world with a split run, a run declined by one workshop and given to another,
a run moved to another workshop before it was accepted, a cancelled run and a
declined one, with comments and photos from several workshops. For the admin
and for each workshop, the JSON of the API and the HTML of the console or the
portal must list the same runs, tasks, comments and files, the same progress
and the same available actions; and a workshop never sees another workshop's
comments, files or people, in either, nor can it fetch their files.

The pages mark what they show with `data-*` attributes (`data-task-id`,
`data-comment-id`, `data-media-id`, `data-progress`, `data-action`) and link
each run by its id; the test reads those.
"""

import io
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from loomworks.accounts.services import token_issue
from loomworks.production import services
from loomworks.production.models import MediaFile, ProductionRun
from loomworks.work.models import Task, TaskComment
from tests.factories import TemplateFactory

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- reading pages and JSON


class Marks(HTMLParser):
    """Every `data-*` value of a page, by attribute, and every link."""

    def __init__(self, html: str):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self.links: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("data-") and value is not None:
                self.values.setdefault(name, []).append(value)
            if name == "href" and value:
                self.links.append(value)

    def set(self, name: str) -> set[str]:
        return set(self.values.get(name, ()))


def photo(name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def progress_text(progress: dict) -> str:
    return f"{progress['completed']}/{progress['total']}"


class Api:
    def __init__(self, user, prefix: str):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user)}"}
        self.prefix = prefix

    def get(self, path: str, **params) -> dict:
        response = self.client.get(f"{self.prefix}{path}", params, **self.headers)
        assert response.status_code == 200, (path, response.content)
        return response.json()


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


# ---------------------------------------------------------------- the world


@pytest.fixture
def world(make_run, make_workshop, admin, design):
    a, b, c = make_workshop(name="Atelier Alpha"), make_workshop(name="Bravo"), make_workshop()
    cutting = TemplateFactory(name="Cutting", checklist=["Lay", "Cut"])
    pressing = TemplateFactory(name="Pressing", checklist=[])

    def top_task(run, partner):
        return Task.objects.get(run=run, parent__isnull=True, partner=partner.partner)

    # A split run: A and B make their parts at once, C waits for both.
    split = make_run(quantity=10)
    part_a, part_b, part_c = services.run_approve(
        run=split,
        actor=admin,
        assignments=[
            services.Assignment(
                a.partner.pk, 6, role="cutting", order=1, template_ids=[cutting.pk]
            ),
            services.Assignment(
                b.partner.pk, 4, role="cutting", order=1, template_ids=[pressing.pk]
            ),
            services.Assignment(c.partner.pk, 10, role="sewing", order=2),
        ],
    ).children
    services.run_accept(run=part_a, actor=a.actor)
    task = top_task(part_a, a)
    services.run_subtask_complete(task=task, subtask=task.subtasks.first(), actor=a.actor)
    services.task_comment_add(task=task, actor=a.actor, body="A asks about the notches")
    services.task_comment_add(task=task, actor=admin, body="Brand answers about notches")
    services.media_add(run=part_a, actor=a.actor, files=[photo("alpha-part.png")])

    # Declined by A (who had commented and uploaded), given to B, sent again.
    declined = make_run("sent_to_partner", partner=a.partner, templates=[cutting])
    services.task_comment_add(
        task=top_task(declined, a), actor=a.actor, body="A's secret about the declined run"
    )
    services.media_add(run=declined, actor=a.actor, files=[photo("alpha-declined.png")])
    services.run_decline(run=declined, actor=a.actor, reason="capacity")
    services.run_reassign(run=declined, partner=b.partner, actor=admin)
    services.run_dispatch(run=declined, template_ids=[pressing.pk], actor=admin)
    services.run_accept(run=declined, actor=b.actor)
    services.media_add(run=declined, actor=b.actor, files=[photo("bravo-declined.png")])
    services.task_comment_add(task=top_task(declined, b), actor=b.actor, body="B is on it")

    # Moved from A to B before A accepted: the open tasks (and A's words on them) go along.
    moved = make_run("sent_to_partner", partner=a.partner, templates=[cutting])
    moved_task = top_task(moved, a)
    services.task_comment_add(task=moved_task, actor=a.actor, body="A's secret on the moved run")
    services.task_comment_add(task=moved_task, actor=admin, body="Brand note on the moved run")
    services.task_comment_add(
        task=moved_task.subtasks.first(), actor=a.actor, body="A's secret on a checklist item"
    )
    services.media_add(run=moved, actor=a.actor, files=[photo("alpha-moved.png")])
    services.run_reassign(run=moved, partner=b.partner, actor=admin)
    services.task_comment_add(task=moved_task, actor=b.actor, body="B takes over")

    # Cancelled while C had it; declined by B and left waiting for a new partner.
    cancelled = make_run("sent_to_partner", partner=c.partner, templates=[pressing])
    services.media_add(run=cancelled, actor=c.actor, files=[photo("charlie.png")])
    services.run_cancel(run=cancelled, actor=admin, reason="Fabric recalled")
    waiting = make_run("sent_to_partner", partner=b.partner, templates=[pressing])
    services.run_decline(run=waiting, actor=b.actor, reason="capacity")

    # A design file of the brand's, for every workshop making that design.
    sketch = MediaFile(design=design, original_name="sketch.png", content_type="image/png", size=10)
    sketch.file.save("sketch.png", photo("sketch.png"), save=False)
    sketch.save()

    return {
        "workshops": {"a": a, "b": b, "c": c},
        "runs": {
            "split": split,
            "part_a": part_a,
            "part_b": part_b,
            "part_c": part_c,
            "declined": declined,
            "moved": moved,
            "cancelled": cancelled,
            "waiting": waiting,
        },
    }


def _workshop_of(user_id: int, workshops: dict) -> str | None:
    for key, workshop in workshops.items():
        if workshop.user.pk == user_id:
            return key
    return None


# ---------------------------------------------------------------- each workshop


@pytest.mark.parametrize("who", ["a", "b", "c"])
def test_each_workshop_sees_the_same_facts_in_the_api_and_the_portal(world, who):
    workshops = world["workshops"]
    me = workshops[who]
    others = [w for key, w in workshops.items() if key != who]
    api = Api(me.user, "/api/partners")
    browser = Client()
    browser.force_login(me.user)

    # The list: the same runs, with the same progress.
    listed = api.get("/production-runs", limit=100)["production_runs"]
    api_list = {run["id"]: progress_text(run["progress"]) for run in listed}
    portal_list = {}
    for show in ("open", "done"):
        html = page(browser, f"/partner/?show={show}")
        for run_id, progress in re.findall(
            r'href="/partner/production-runs/([^/"]+)/" data-progress="(\d+/\d+)"', html
        ):
            portal_list[run_id] = progress
    assert portal_list == api_list
    assert set(api_list) == set(
        ProductionRun.objects.filter(
            partner=me.partner,
            status__in=["approved", "sent_to_partner", "in_progress", "completed", "cancelled"],
        ).values_list("pk", flat=True)
    )

    my_users = {me.user.pk}
    for run_id in api_list:
        detail = api.get(f"/production-runs/{run_id}")["production_run"]
        html = page(browser, f"/partner/production-runs/{run_id}/")
        marks = Marks(html)

        task_ids = {t["id"] for t in detail["tasks"]} | {
            s["id"] for t in detail["tasks"] for s in t["subtasks"]
        }
        assert marks.set("data-task-id") == task_ids, run_id

        api_comments = {
            comment["id"]: comment
            for task_id in task_ids
            for comment in api.get(f"/assigned-tasks/{task_id}/comments")["comments"]
        }
        assert marks.set("data-comment-id") == set(api_comments), run_id

        media = {m["id"]: m for m in detail["media"] + detail["design"]["media"]}
        assert marks.set("data-media-id") == set(media), run_id

        assert marks.values["data-progress"] == [progress_text(detail["progress"])], run_id
        assert marks.set("data-action") == set(detail["available_actions"]), run_id

        # Nothing of another workshop: its people, its words, its files.
        shown_comments = TaskComment.objects.filter(pk__in=api_comments)
        assert all(c.author_kind == "admin" or c.author_id in my_users for c in shown_comments), (
            run_id
        )
        for shown in MediaFile.objects.filter(pk__in=media):
            assert _workshop_of(shown.uploaded_by_id, workshops) in (None, who), shown
            assert shown.run_id in (None, run_id) or shown.run.partner_id == me.partner.pk
        for other in others:
            for text in (str(detail), html):
                assert other.user.display_name not in text, (run_id, other.partner.name)
                assert other.partner.name not in text, (run_id, other.partner.name)
        for text in (str(detail), html):
            assert "secret" not in text, run_id

    # Another workshop's files are not served, whatever the URL.
    for media in MediaFile.objects.exclude(uploaded_by__isnull=True).exclude(
        uploaded_by__membership__partner=me.partner
    ):
        for name in (media.file.name, media.preview.name):
            if name:
                assert browser.get(f"/media/{name}").status_code == 404, media.original_name


def test_the_workshop_that_declined_sees_neither_the_run_nor_its_new_workshop(world):
    a = world["workshops"]["a"]
    declined = world["runs"]["declined"]
    api = Api(a.user, "/api/partners")
    ids = {run["id"] for run in api.get("/production-runs", limit=100)["production_runs"]}
    assert declined.pk not in ids
    browser = Client()
    browser.force_login(a.user)
    assert browser.get(f"/partner/production-runs/{declined.pk}/").status_code == 404
    bravo_photo = MediaFile.objects.get(original_name="bravo-declined.png")
    assert browser.get(bravo_photo.file.url).status_code == 404


def test_the_new_workshop_of_a_declined_run_sees_only_its_own_photos_and_words(world):
    b = world["workshops"]["b"]
    declined = world["runs"]["declined"]
    browser = Client()
    browser.force_login(b.user)
    html = page(browser, f"/partner/production-runs/{declined.pk}/")

    assert "bravo-declined.png" in html and "B is on it" in html
    assert "alpha-declined.png" not in html
    assert "A&#x27;s secret" not in html and "A's secret" not in html
    assert world["workshops"]["a"].user.display_name not in html
    alpha_photo = MediaFile.objects.get(original_name="alpha-declined.png")
    assert browser.get(alpha_photo.file.url).status_code == 404
    assert browser.get(f"/media/{alpha_photo.preview.name}").status_code == 404


# ---------------------------------------------------------------- the admin


def test_the_admin_sees_the_same_facts_in_the_api_and_the_console(world, admin_user):
    api = Api(admin_user, "/api/admin")
    browser = Client()
    browser.force_login(admin_user)

    listed = api.get("/production-runs", limit=100)["production_runs"]
    api_list = {run["id"]: progress_text(run["progress"]) for run in listed}
    html = page(browser, "/admin/production-runs/")
    console_list = dict(
        (run_id, progress)
        for progress, run_id in re.findall(
            r'data-progress="(\d+/\d+)">\s*(?:<td class="select-cell">.*?</td>\s*)?'
            r'<td class="nowrap"><a class="row-link__target ref" '
            r'href="/admin/production-runs/([^/"]+)/"',
            html,
        )
    )
    assert console_list == api_list
    assert set(api_list) == set(ProductionRun.objects.values_list("pk", flat=True))

    for run_id in api_list:
        detail = api.get(f"/production-runs/{run_id}")["production_run"]
        html = page(browser, f"/admin/production-runs/{run_id}/")
        marks = Marks(html)

        task_ids = {t["id"] for t in detail["tasks"]} | {
            s["id"] for t in detail["tasks"] for s in t["subtasks"]
        }
        assert marks.set("data-task-id") == task_ids, run_id
        comments = {
            comment["id"]
            for task_id in task_ids
            for comment in api.get(f"/tasks/{task_id}/comments")["comments"]
        }
        assert marks.set("data-comment-id") == comments, run_id
        assert marks.set("data-media-id") == set(
            MediaFile.objects.filter(run_id=run_id).values_list("pk", flat=True)
        ), run_id
        assert marks.values["data-progress"] == [progress_text(detail["progress"])], run_id
        assert progress_text(detail["progress"]) == api_list[run_id], run_id
        assert marks.set("data-action") == set(detail["available_actions"]), run_id


def test_a_split_run_shows_its_parts_progress_everywhere(world, admin_user):
    split, part_a = world["runs"]["split"], world["runs"]["part_a"]
    api = Api(admin_user, "/api/admin")

    detail = api.get(f"/production-runs/{split.pk}")["production_run"]
    listed = {r["id"]: r for r in api.get("/production-runs", limit=100)["production_runs"]}

    # A's part: one task of two items (one ticked); B's: one task; C's: none yet.
    assert detail["progress"] == {"completed": 1, "total": 3, "closed": 0}
    assert listed[split.pk]["progress"] == detail["progress"]
    assert sum(child["progress"]["total"] for child in detail["children"]) == 3
    assert listed[part_a.pk]["progress"] == {"completed": 1, "total": 2, "closed": 0}


def test_actions_follow_the_state_machine_for_each_audience(world, admin_user):
    runs = world["runs"]
    admin_api = Api(admin_user, "/api/admin")
    actions = {
        key: admin_api.get(f"/production-runs/{run.pk}")["production_run"]["available_actions"]
        for key, run in runs.items()
    }
    assert actions["split"] == ["cancel"]  # a parent follows its parts
    assert actions["part_b"] == ["accept", "reassign", "edit", "tasks_added", "cancel"]
    assert actions["part_a"] == ["start", "deliver", "complete", "tasks_added", "cancel"]
    assert actions["cancelled"] == []
    assert actions["waiting"] == ["reassign", "edit", "tasks_added", "cancel"]

    b = world["workshops"]["b"]
    partner = Api(b.user, "/api/partners")
    assert partner.get(f"/production-runs/{runs['part_b'].pk}")["production_run"][
        "available_actions"
    ] == ["accept", "decline", "media_added"]
    assert partner.get(f"/production-runs/{runs['declined'].pk}")["production_run"][
        "available_actions"
    ] == ["start", "deliver", "hand_over", "media_added"]
