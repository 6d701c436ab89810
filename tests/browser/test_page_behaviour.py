"""What a newcomer stumbled on, in a real browser: focus after a tick, Back after a
change, upload progress, focus on errors (issue: console and portal polish)."""

import re

from playwright.sync_api import expect

from loomworks.production.models import MediaFile
from tests.browser.conftest import log_in
from tests.browser.test_portal import Scene, png_bytes
from tests.factories import PASSWORD


def _open_working_run(page, live_server):
    scene = Scene()
    run = scene.older[1]  # in progress, three unticked items
    log_in(page, live_server, scene.member.user.email, PASSWORD)
    page.goto(f"{live_server.url}/partner/production-runs/{run.pk}/")
    return scene, run


def test_keyboard_focus_stays_on_the_item_after_a_tick(transactional_db, phone_page, live_server):
    page = phone_page
    _scene, _run = _open_working_run(page, live_server)
    boxes = page.locator('button.check[aria-checked="false"]')
    first = boxes.first
    item_id = first.evaluate("(el) => el.closest('li').dataset.taskId")
    first.focus()
    page.keyboard.press("Enter")
    expect(boxes).to_have_count(2)
    expect(page.locator(f'li[data-task-id="{item_id}"] button.check')).to_be_focused()
    focused = page.evaluate(
        "() => { const li = document.activeElement.closest('li'); return li && li.dataset.taskId; }"
    )
    assert focused == item_id
    expect(page.locator(f'li[data-task-id="{item_id}"] button.check')).to_be_focused()
    # Space on the focused item unticks it again: the keyboard carries on where it was.
    page.keyboard.press("Space")
    expect(boxes).to_have_count(3)


def test_back_after_a_tick_shows_the_progress_as_it_is_now(
    transactional_db, phone_page, live_server
):
    page = phone_page
    _scene, run = _open_working_run(page, live_server)
    page.locator('button.check[aria-checked="false"]').first.click()
    expect(page.locator("#run-progress")).to_contain_text("1 of 3 checklist items ticked")
    page.goto(f"{live_server.url}/partner/")
    page.go_back()
    page.wait_for_url(re.compile(rf"/partner/production-runs/{run.pk}/"))
    expect(page.locator("#run-progress")).to_contain_text("1 of 3 checklist items ticked")
    response = page.request.get(f"{live_server.url}/partner/production-runs/{run.pk}/")
    assert "no-store" in response.headers["cache-control"]


def test_an_upload_shows_its_progress(transactional_db, phone_page, live_server):
    page = phone_page
    _scene, run = _open_working_run(page, live_server)
    seen = []

    def hold_the_answer(route):
        # The body has gone up; before the server answers, the bar says so.
        seen.append(
            page.evaluate(
                "() => { const p = document.querySelector('#photos [data-upload-progress]');"
                " return [p.hidden, p.querySelector('progress').value,"
                " p.querySelector('[data-upload-text]').textContent]; }"
            )
        )
        route.continue_()

    page.route(re.compile(r".*/media/?$"), hold_the_answer)
    picture = {"name": "bundles.png", "mimeType": "image/png", "buffer": png_bytes() * 40}
    page.set_input_files("#id_files", files=[picture])
    expect(page.locator("#photos [data-upload-progress]")).to_be_hidden()
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".flash__item--success")).to_contain_text("1 file added")
    assert MediaFile.objects.filter(run=run).count() == 1
    assert seen and seen[0][0] is False


def test_an_upload_error_gets_the_focus(transactional_db, phone_page, live_server):
    page = phone_page
    _scene, _run = _open_working_run(page, live_server)
    page.set_input_files(
        "#id_files",
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not a picture"}],
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#files-error")).to_be_visible()
    expect(page.locator("#id_files")).to_be_focused()
    box = page.locator("#files-error").bounding_box()
    assert 0 <= box["y"] <= page.viewport_size["height"]


def test_a_material_entry_error_gets_the_focus(transactional_db, phone_page, live_server):
    page = phone_page
    _scene, _run = _open_working_run(page, live_server)
    page.select_option("#id_material", index=1)
    page.fill("#id_quantity", "lots")
    page.get_by_role("button", name="Log material").click()
    expect(page.locator("#quantity-error")).to_be_visible()
    expect(page.locator("#id_quantity")).to_be_focused()
    box = page.locator("#id_quantity").bounding_box()
    assert 0 <= box["y"] <= page.viewport_size["height"]


def test_the_handle_is_suggested_from_the_name_until_typed(transactional_db, page, live_server):
    from tests.factories import AdminFactory

    admin = AdminFactory()
    log_in(page, live_server, admin.email, PASSWORD)
    page.goto(f"{live_server.url}/admin/partners/new/")
    page.fill("#id_name", "Atelier Été Lyon")
    expect(page.locator("#id_handle")).to_have_value("atelier-ete-lyon")
    page.fill("#id_handle", "lyon")
    page.fill("#id_name", "Atelier Lyon")
    expect(page.locator("#id_handle")).to_have_value("lyon")  # the admin's own choice stays
