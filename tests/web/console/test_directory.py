"""Designs, partners and task templates: lists, details and the forms on them."""

from loomworks.catalog.models import Design
from loomworks.partners.models import Partner, PartnerMember
from loomworks.production.models import ProductionRun
from loomworks.work.models import TaskTemplate
from tests.factories import DesignFactory, MemberFactory
from tests.web.console.helpers import count_queries, flashes, text

# ---------------------------------------------------------------- designs


def test_design_list_with_run_counts_and_search(console, make_run):
    shirt = DesignFactory(name="Camp Shirt")
    DesignFactory(name="Wool Coat")
    make_run(design=shirt)
    make_run("cancelled", design=shirt)
    response = console.get("/admin/designs/")
    page = text(response)
    assert "Camp Shirt" in page and "Wool Coat" in page
    listed = {
        row.design.name: (row.open_run_count, row.run_count) for row in response.context["rows"]
    }
    assert listed["Camp Shirt"] == (1, 2)
    found = text(console.get("/admin/designs/", {"q": "coat"}))
    assert "Wool Coat" in found and "Camp Shirt" not in found


def test_design_detail_shows_what_it_is_made_of_and_its_runs(console, make_run, design):
    run = make_run(design=design)
    page = text(console.get(f"/admin/designs/{design.pk}/"))
    assert design.name in page
    assert "Seam allowance" in page and "Sand" in page and "#D8C7A6" in page
    assert "chest cm" in page and "102" in page and "1.5 m" in page
    assert f'href="/admin/production-runs/{run.pk}/"' in page
    assert "New sample run" in page and "New production run" in page


def test_design_page_does_not_grow_with_its_runs(console, make_run, design, workshop, split_run):
    make_run(design=design)
    url = f"/admin/designs/{design.pk}/"
    few = count_queries(lambda: console.get(url))
    for _ in range(4):
        make_run("sent_to_partner", design=design, partner=workshop.partner)
    split_run(design=design)
    assert count_queries(lambda: console.get(url)) == few


def test_new_sample_run_from_a_design(console, design):
    response = console.post(
        f"/admin/designs/{design.pk}/production-runs/",
        {"run_type": "sample", "quantity": "2", "due_date": "2031-01-15", "notes": "Size M only"},
        follow=True,
    )
    run = ProductionRun.objects.get(design=design)
    assert (run.run_type, run.quantity, run.status, run.notes) == (
        "sample",
        2,
        "pending_review",
        "Size M only",
    )
    assert response.redirect_chain[-1][0] == f"/admin/production-runs/{run.pk}/"
    assert flashes(response) == [
        f"{run.reference} is created: a sample run of 2, waiting for review."
    ]


def test_new_production_run_with_a_bad_quantity_keeps_the_values(console, design):
    response = console.post(
        f"/admin/designs/{design.pk}/production-runs/",
        {"run_type": "production", "quantity": "0", "notes": "keep me"},
    )
    page = text(response)
    assert response.status_code == 200
    assert "Give 1 or more." in page and "Ensure this value" not in page
    assert "keep me" in page
    assert not ProductionRun.objects.exists()


def test_create_a_design(console):
    response = console.post(
        "/admin/designs/new/",
        {
            "name": "Field Jacket",
            "description": "Waxed cotton",
            "priority": "high",
            "thumbnail_url": "",
        },
        follow=True,
    )
    design = Design.objects.get(name="Field Jacket")
    assert design.priority == "high"
    assert flashes(response) == ["The design Field Jacket is created."]
    assert response.redirect_chain[-1][0] == f"/admin/designs/{design.pk}/"


def test_create_a_design_needs_a_name(console):
    response = console.post(
        "/admin/designs/new/", {"name": "", "description": "kept", "priority": "low"}
    )
    assert "This field is required." in text(response) and "kept" in text(response)


def test_unknown_design_is_not_found(console, db):
    assert console.get("/admin/designs/des_nope/").status_code == 404


# ---------------------------------------------------------------- partners


def test_partner_list_with_members_and_open_runs(console, make_run, workshop):
    make_run("sent_to_partner", partner=workshop.partner)
    make_run("cancelled", partner=workshop.partner)
    response = console.get("/admin/partners/")
    [partner] = response.context["partners"]
    assert (partner.member_count, partner.open_run_count) == (1, 1)
    assert workshop.partner.name in text(response)


def test_partner_detail_shows_members_and_runs(console, make_run, workshop):
    run = make_run("sent_to_partner", partner=workshop.partner)
    page = text(console.get(f"/admin/partners/{workshop.partner.pk}/"))
    assert workshop.user.email in page and "Owner" in page
    assert run.reference in page and run.design.name in page
    assert f'href="/admin/production-runs/?partner_id={workshop.partner.pk}"' in page


def test_create_a_partner_with_its_owner(console):
    response = console.post(
        "/admin/partners/new/",
        {
            "name": "Atelier Sud",
            "handle": "atelier-sud",
            "email": "hello@sud.test",
            "status": "active",
            "owner_email": "owner@sud.test",
            "owner_first_name": "Inès",
            "owner_password": "long-enough-1",
        },
        follow=True,
    )
    partner = Partner.objects.get(handle="atelier-sud")
    member = PartnerMember.objects.get(partner=partner)
    assert (member.role, member.user.email) == ("owner", "owner@sud.test")
    assert member.user.check_password("long-enough-1")
    assert flashes(response) == ["Atelier Sud is added, with owner@sud.test as its owner."]


def test_a_taken_handle_is_a_flash_and_the_values_stay(console, workshop):
    response = console.post(
        "/admin/partners/new/",
        {
            "name": "Copycat",
            "handle": workshop.partner.handle,
            "status": "active",
            "owner_email": "x@y.test",
        },
    )
    assert response.status_code == 200
    assert flashes(response) == [f"The handle {workshop.partner.handle} is taken."]
    assert 'value="Copycat"' in text(response)


def test_a_short_owner_password_is_shown_beside_the_field(console):
    response = console.post(
        "/admin/partners/new/",
        {
            "name": "A",
            "handle": "a",
            "status": "active",
            "owner_email": "a@a.test",
            "owner_password": "short",
        },
    )
    assert "Ensure this value has at least 8 characters" in text(response)
    assert not Partner.objects.exists()


def test_add_a_member(console, workshop):
    response = console.post(
        f"/admin/partners/{workshop.partner.pk}/members/",
        {"email": "New@Example.test", "first_name": "Noa", "role": "manager"},
        follow=True,
    )
    assert PartnerMember.objects.filter(
        partner=workshop.partner, user__email="new@example.test"
    ).exists()
    assert flashes(response) == [
        f"New@Example.test is now a member of {workshop.partner.name}.",
        "An invitation to choose a password is on its way to New@Example.test.",
    ]


def test_adding_a_member_with_an_email_in_use_is_refused(console, workshop):
    response = console.post(
        f"/admin/partners/{workshop.partner.pk}/members/",
        {"email": workshop.user.email, "role": "manager", "first_name": "Twin"},
    )
    assert response.status_code == 200
    assert "exists already" in flashes(response)[0]
    assert 'value="Twin"' in text(response)


def test_adding_a_member_with_a_bad_email_is_shown_beside_the_field(console, workshop):
    response = console.post(
        f"/admin/partners/{workshop.partner.pk}/members/", {"email": "nope", "role": "manager"}
    )
    assert "Enter a valid email address." in text(response)


def test_deactivate_and_activate_a_partner(console, workshop):
    url = f"/admin/partners/{workshop.partner.pk}/status/"
    response = console.post(url, {"status": "inactive", "confirm": "yes"}, follow=True)
    workshop.partner.refresh_from_db()
    assert workshop.partner.status == "inactive"
    assert "is inactive" in flashes(response)[0]
    assert "Activate" in text(response)
    console.post(url, {"status": "active"})
    workshop.partner.refresh_from_db()
    assert workshop.partner.status == "active"


def test_partner_status_must_be_active_or_inactive(console, workshop):
    response = console.post(
        f"/admin/partners/{workshop.partner.pk}/status/", {"status": "deleted"}, follow=True
    )
    assert flashes(response) == ["Choose to activate or deactivate the partner."]
    workshop.partner.refresh_from_db()
    assert workshop.partner.status == "active"


def test_partner_pages_do_not_grow_with_members_or_runs(console, make_run, workshop, split_run):
    make_run("sent_to_partner", partner=workshop.partner)
    url = f"/admin/partners/{workshop.partner.pk}/"
    few = count_queries(lambda: console.get(url))
    list_few = count_queries(lambda: console.get("/admin/partners/"))
    for _ in range(5):
        MemberFactory(partner=workshop.partner)
        make_run("sent_to_partner", partner=workshop.partner)
        MemberFactory()
    for part in split_run().children:  # parts name their parent
        ProductionRun.objects.filter(pk=part.pk).update(partner=workshop.partner)
    assert count_queries(lambda: console.get(url)) == few
    assert count_queries(lambda: console.get("/admin/partners/")) == list_few


# ---------------------------------------------------------------- templates


def test_template_list_and_create(console):
    response = console.post(
        "/admin/templates/new/",
        {
            "name": "Dyeing",
            "category": "dye",
            "priority": "high",
            "estimated_duration": "90",
            "checklist": "Weigh yarn\n\n  Mix bath \nRinse",
        },
        follow=True,
    )
    template = TaskTemplate.objects.get(name="Dyeing")
    assert template.checklist == ["Weigh yarn", "Mix bath", "Rinse"]
    assert template.estimated_duration == 90
    assert flashes(response) == ["The template Dyeing is created."]
    page = text(response)
    assert "Dyeing" in page and "Mix bath" in page


def test_a_template_needs_a_name(console):
    response = console.post(
        "/admin/templates/new/", {"name": " ", "priority": "low", "checklist": "kept item"}
    )
    assert "This field is required." in text(response)
    assert "kept item" in text(response)
    assert not TaskTemplate.objects.exists()


def test_a_blank_handle_is_made_from_the_name(console):
    console.post(
        "/admin/partners/new/",
        {"name": "Atelier Été Lyon", "handle": "", "status": "active", "owner_email": "o@l.test"},
    )
    assert Partner.objects.filter(handle="atelier-ete-lyon", name="Atelier Été Lyon").exists()


def test_every_field_error_shows_at_once_in_plain_words(console):
    response = console.post(
        "/admin/partners/new/",
        {
            "name": "Atelier Nord",
            "handle": "Atelier Nord!",
            "status": "active",
            "owner_email": "not-an-address",
            "owner_password": "short",
        },
    )
    page = text(response)
    assert "Use only letters, digits, hyphens (-) and underscores (_), no spaces" in page
    assert "slug" not in page.lower()
    assert 'id="id_owner_email_error"' in page and 'id="id_owner_password_error"' in page
    assert page.count('class="field__error"') >= 3
    assert not Partner.objects.exists()
