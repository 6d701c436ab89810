"""Secrets we must keep readable (to sign or check messages) but never in clear in the
database: a store's signing secret, a webhook endpoint's.

`SealedCharField` is django-fernet-encrypted-fields' Fernet field, with the keys derived
from SECRET_KEY (and SECRET_KEY_FALLBACKS while a key is being rotated) and SALT_KEY.
Two things differ from the library's field: an empty value stays "" (a column that
is not nullable), and a value that cannot be decrypted with any configured key is an
error that says what to do, not a token silently passed on as if it were the secret.
"""

from cryptography.fernet import InvalidToken
from django.core.exceptions import ImproperlyConfigured
from encrypted_fields.fields import EncryptedCharField

FERNET_PREFIX = "gAAAAA"  # every Fernet token starts so (version byte and timestamp)


class SealedCharField(EncryptedCharField):
    def get_prep_value(self, value):
        if value == "":
            return ""
        return super().get_prep_value(value)

    def to_python(self, value):
        if not isinstance(value, str) or not value.startswith(FERNET_PREFIX):
            return super().to_python(value)  # "", or a secret stored before it was sealed
        if hasattr(self, "_already_decrypted"):
            return value
        try:
            return self.f.decrypt(value.encode()).decode()
        except InvalidToken:
            raise ImproperlyConfigured(
                "A stored secret cannot be decrypted with this SECRET_KEY. If SECRET_KEY "
                "was changed, put the previous key in SECRET_KEY_FALLBACKS (comma-separated "
                "environment variable) and run `loomworks manage reseal_secrets`."
            ) from None
