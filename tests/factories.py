"""Small factories for test data. Runs are made through the services, not here."""

import factory
from django.contrib.auth import get_user_model

from loomworks.catalog.models import (
    Design,
    DesignColor,
    DesignMaterial,
    DesignSizeSet,
    DesignSpecification,
    Material,
)
from loomworks.partners.models import MemberRole, Partner, PartnerMember
from loomworks.work.models import TaskTemplate

PASSWORD = "correct-horse-9"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


class AdminFactory(UserFactory):
    is_staff = True
    email = factory.Sequence(lambda n: f"admin{n}@brand.test")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Workshop {n}")
    handle = factory.Sequence(lambda n: f"workshop-{n}")
    email = factory.LazyAttribute(lambda p: f"hello@{p.handle}.test")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerMember

    partner = factory.SubFactory(PartnerFactory)
    user = factory.SubFactory(UserFactory)
    role = MemberRole.OWNER


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Material

    sku = factory.Sequence(lambda n: f"MAT-{n:04d}")
    name = factory.Sequence(lambda n: f"Fabric {n}")
    unit = "m"


class DesignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Design
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Design {n}")
    description = "A relaxed shirt in washed linen."
    thumbnail_url = "/static/loomworks/demo/linen-shirt.svg"

    @factory.post_generation
    def details(self, create, extracted, **kwargs):
        if not create or extracted is False:
            return
        DesignSpecification.objects.create(
            design=self, title="Seam allowance", category="construction", details="1 cm"
        )
        DesignColor.objects.create(design=self, name="Sand", hex_code="#D8C7A6", usage_notes="body")
        DesignSizeSet.objects.create(design=self, size_label="M", measurements={"chest_cm": 102})
        DesignMaterial.objects.create(
            design=self, material=MaterialFactory(), name="Linen", planned_quantity="1.5", unit="m"
        )


class TemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskTemplate

    name = factory.Sequence(lambda n: f"Step {n}")
    description = "Do the step."
    checklist = factory.LazyFunction(lambda: ["First item", "Second item"])
