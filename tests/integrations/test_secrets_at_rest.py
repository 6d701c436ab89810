"""The secrets Loomworks keeps to sign and check messages (a store's, a webhook endpoint's)
are encrypted in the database: a copy of the database alone does not give them away."""

import importlib
import io

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from loomworks.integrations import stores, webhooks
from loomworks.integrations.models import Store, WebhookEndpoint
from tests.integrations.conftest import SHOPIFY_SECRET

pytestmark = pytest.mark.django_db


def _raw(table: str, pk: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secret FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_a_store_secret_is_not_in_the_database_in_clear(shopify_store):
    raw = _raw("integrations_store", shopify_store.pk)
    assert raw and SHOPIFY_SECRET not in raw
    assert Store.objects.get(pk=shopify_store.pk).secret == SHOPIFY_SECRET


def test_a_webhook_secret_is_not_in_the_database_in_clear(admin, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    endpoint = webhooks.webhook_endpoint_create(
        url="http://127.0.0.1:9/hooks", events=["production_run.created"], actor=admin
    )
    raw = _raw("integrations_webhookendpoint", endpoint.pk)
    assert endpoint.secret.startswith("whsec_") and endpoint.secret not in raw
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == endpoint.secret


def test_a_new_secret_key_with_the_old_as_fallback_still_reads_them(shopify_store, settings):
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-after-rotation-0123456789"
    field = Store._meta.get_field("secret")
    for cached in ("keys", "f"):
        field.__dict__.pop(cached, None)
    try:
        assert Store.objects.get(pk=shopify_store.pk).secret == SHOPIFY_SECRET
    finally:
        for cached in ("keys", "f"):
            field.__dict__.pop(cached, None)


def test_the_migration_encrypts_secrets_stored_in_clear(shopify_store, admin):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE integrations_store SET secret = %s WHERE id = %s",
            ["plain-old-secret-0123456789", shopify_store.pk],
        )
    assert Store.objects.get(pk=shopify_store.pk).secret == "plain-old-secret-0123456789"
    migration = importlib.import_module(
        "loomworks.integrations.migrations.0003_secrets_encrypted_at_rest"
    )
    migration.encrypt_secrets(django_apps, None)
    assert "plain-old-secret" not in _raw("integrations_store", shopify_store.pk)
    assert Store.objects.get(pk=shopify_store.pk).secret == "plain-old-secret-0123456789"


def test_a_disconnected_store_keeps_no_secret(shopify_store, admin):
    stores.store_disconnect(store=shopify_store, actor=admin)
    assert _raw("integrations_store", shopify_store.pk) in ("", None)


def test_reseal_after_a_key_change_needs_no_fallback_afterwards(shopify_store, settings):
    field = Store._meta.get_field("secret")

    def forget_keys():
        for cached in ("keys", "f"):
            field.__dict__.pop(cached, None)

    old_key = settings.SECRET_KEY
    try:
        settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = (
            "the-next-key-0123456789abcdef",
            [old_key],
        )
        forget_keys()
        call_command("reseal_secrets", stdout=io.StringIO())
        settings.SECRET_KEY_FALLBACKS = []
        forget_keys()
        assert Store.objects.get(pk=shopify_store.pk).secret == SHOPIFY_SECRET
        settings.SECRET_KEY = "a-key-nobody-used-0123456789abcdef"
        forget_keys()
        with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FALLBACKS"):
            Store.objects.get(pk=shopify_store.pk)
    finally:
        settings.SECRET_KEY = old_key
        forget_keys()
