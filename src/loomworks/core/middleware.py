"""Speak each person's language.

Replaces Django's LocaleMiddleware and sits after AuthenticationMiddleware: a
logged-in person who chose a language (`User.language`) reads that one;
everyone else gets the language cookie (set by the picker before logging in),
else the best match for the browser's Accept-Language among
`settings.LANGUAGES`, else `settings.LANGUAGE_CODE`.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


def language_for(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        chosen = user.language or ""
        if chosen and chosen in dict(settings.LANGUAGES):
            return chosen
    return translation.get_language_from_request(request)


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = language_for(request)
        # The language of this request only: the next one (or the rest of a
        # test, which shares the thread) starts from the default again.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return response
