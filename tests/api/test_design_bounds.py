"""What a design may hold: a thumbnail on the web (http or https) or this site, bounded tags, notes and
measurements. Refusals are 422s naming the field, and nothing is written."""

import pytest

from loomworks.catalog.models import Design
from loomworks.catalog.services import design_create
from loomworks.core.errors import InvalidInput
from tests.api.admin_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:image/svg+xml;base64,PHN2Zz4=",
        "ftp://example.com/a.png",
        "//example.com/a.png",
        "/\\example.com/a.png",
        "not a url",
        "https://exa mple.com/a.png",
    ],
)
def test_a_thumbnail_that_is_not_an_http_address_is_refused(admin_api, url):
    response = admin_api.post("/designs", {"name": "Coat", "thumbnail_url": url})

    assert response.status_code == 422, response.content
    assert response.json()["field"] == "thumbnail_url"
    assert not Design.objects.exists()


def test_a_thumbnail_change_to_javascript_is_refused_and_the_old_one_kept(admin_api):
    design = admin_api.post(
        "/designs", {"name": "Coat", "thumbnail_url": "https://cdn.example.com/coat.jpg"}
    ).json()["design"]

    response = admin_api.patch(f"/designs/{design['id']}", {"thumbnail_url": "javascript:x"})

    assert response.status_code == 422
    assert response.json()["field"] == "thumbnail_url"
    assert Design.objects.get().thumbnail_url == "https://cdn.example.com/coat.jpg"


@pytest.mark.parametrize(
    "url",
    ["https://cdn.example.com/coat.jpg", "http://127.0.0.1/x.png", "/static/coat.svg", ""],
)
def test_http_and_https_thumbnails_are_taken(admin_api, url):
    response = admin_api.post("/designs", {"name": "Coat", "thumbnail_url": url})

    assert response.status_code == 201, response.content
    assert response.json()["design"]["thumbnail_url"] == url


@pytest.mark.parametrize(
    ("part", "field"),
    [
        (
            {"size_sets": [{"size_label": "M", "measurements": {"k" * 1_000_000: 1}}]},
            "size_sets[0].measurements",
        ),
        (
            {"size_sets": [{"size_label": "M", "measurements": {"chest": "9" * 100_000}}]},
            "size_sets[0].measurements",
        ),
        (
            {"specifications": [{"title": "t", "measurements": {f"m{i}": i for i in range(500)}}]},
            "specifications[0].measurements",
        ),
        (
            {"specifications": [{"title": "t", "measurements": {"x": list(range(1000))}}]},
            "specifications[0].measurements",
        ),
    ],
)
def test_oversized_measurements_are_refused_naming_the_field(admin_api, part, field):
    response = admin_api.post("/designs", {"name": "Coat", **part})

    assert response.status_code == 422, response.content[:300]
    assert response.json()["field"] == field
    assert not Design.objects.exists()


def test_everyday_measurements_are_kept(admin_api):
    sizes = [{"size_label": s, "measurements": {"chest_cm": 96, "length_cm": 70.5}} for s in "SML"]

    response = admin_api.post("/designs", {"name": "Coat", "size_sets": sizes})

    assert response.status_code == 201
    assert response.json()["design"]["size_sets"][2]["measurements"]["length_cm"] == 70.5


def test_too_many_tags_or_too_long_notes_are_refused(admin_api):
    tags = admin_api.post("/designs", {"name": "Coat", "tags": [f"t{i}" for i in range(51)]})
    notes = admin_api.post("/designs", {"name": "Coat", "notes": "n" * 10_001})

    assert (tags.status_code, tags.json()["field"]) == (422, "tags")
    assert (notes.status_code, notes.json()["field"]) == (422, "notes")


def test_the_same_rules_hold_for_every_caller_of_the_service(admin):
    with pytest.raises(InvalidInput) as refused:
        design_create(name="Coat", actor=admin, thumbnail_url="javascript:alert(1)")

    assert refused.value.field == "thumbnail_url"
    with pytest.raises(InvalidInput) as refused:
        design_create(
            name="Coat",
            actor=admin,
            size_sets=[{"size_label": "M", "measurements": {"k" * 500: 1}}],
        )
    assert refused.value.field == "size_sets[0].measurements"
