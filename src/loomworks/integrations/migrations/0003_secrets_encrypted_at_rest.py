"""Stores' and webhook endpoints' secrets, encrypted at rest (core.sealed): the columns
become text (a Fernet token is longer than the secret), then every secret stored in clear
is written again, encrypted."""

from django.db import migrations

import loomworks.core.sealed


def encrypt_secrets(apps, schema_editor):
    for name in ("Store", "WebhookEndpoint"):
        model = apps.get_model("integrations", name)
        for row in model.objects.only("pk", "secret").iterator(chunk_size=500):
            if row.secret:  # read in clear (not sealed yet), written sealed
                row.save(update_fields=["secret"])


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0002_store_disconnected_at"),
    ]

    operations = [
        migrations.AlterField(
            model_name="store",
            name="secret",
            field=loomworks.core.sealed.SealedCharField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name="webhookendpoint",
            name="secret",
            field=loomworks.core.sealed.SealedCharField(max_length=100),
        ),
        migrations.RunPython(encrypt_secrets, migrations.RunPython.noop),
    ]
