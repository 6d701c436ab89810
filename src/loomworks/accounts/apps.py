from django.apps import AppConfig
from django.db.models.signals import post_save


class AccountsConfig(AppConfig):
    name = "loomworks.accounts"
    label = "accounts"

    def ready(self) -> None:
        from loomworks.accounts.models import revoke_tokens_of_switched_off_member

        # Named by label: accounts and partners stand on one floor and do not
        # import each other (tests/test_layers.py).
        post_save.connect(
            revoke_tokens_of_switched_off_member,
            sender="partners.PartnerMember",
            dispatch_uid="accounts.revoke_tokens_of_switched_off_member",
        )
