from django.db import migrations


def create_rows(apps, schema_editor):
    Counter = apps.get_model("core", "Counter")
    Counter.objects.get_or_create(name="production_run", defaults={"value": 1000})
    ProductionPolicy = apps.get_model("production", "ProductionPolicy")
    ProductionPolicy.objects.get_or_create(pk=1, defaults={"config": {}})


class Migration(migrations.Migration):
    dependencies = [
        ("production", "0001_initial"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_rows, migrations.RunPython.noop)]
