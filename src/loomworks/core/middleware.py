"""Middleware of our own: each person's language, and no caching of what is theirs.

Speak each person's language.

Replaces Django's LocaleMiddleware and sits after AuthenticationMiddleware: a
logged-in person who chose a language (`User.language`) reads that one;
everyone else gets the language cookie (set by the picker before logging in),
else the best match for the browser's Accept-Language among
`settings.LANGUAGES`, else `settings.LANGUAGE_CODE`.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers


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


class PrivateResponsesMiddleware:
    """No cache keeps a logged-in person's pages or API answers.

    Without it, Back after an action showed the run page as it was before,
    and a shared machine's cache could show one person's page to the next.
    A response that set its own Cache-Control (uploaded files) keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        logged_in = (user is not None and user.is_authenticated) or (
            "HTTP_AUTHORIZATION" in request.META
        )
        if logged_in and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
