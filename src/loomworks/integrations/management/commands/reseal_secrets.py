"""`loomworks manage reseal_secrets`: encrypt every stored secret again with the current
SECRET_KEY, after a key change (the previous key still in SECRET_KEY_FALLBACKS)."""

from django.core.management.base import BaseCommand

from loomworks.integrations.models import Store, WebhookEndpoint


class Command(BaseCommand):
    help = "Encrypt stores' and webhook endpoints' secrets again with the current SECRET_KEY."

    def handle(self, *args, **options):
        for model in (Store, WebhookEndpoint):
            done = 0
            for row in model.objects.only("pk", "secret").iterator(chunk_size=500):
                if row.secret:
                    row.save(update_fields=["secret"])
                    done += 1
            self.stdout.write(f"{model._meta.verbose_name_plural}: {done} resealed")
        self.stdout.write(
            "Done. Once every process runs with the new SECRET_KEY, SECRET_KEY_FALLBACKS "
            "can be emptied."
        )
