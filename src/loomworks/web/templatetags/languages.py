"""`{% language_options as options %}`: the picker's choices, the person's own one selected."""

from django import template
from django.conf import settings

from loomworks.web.forms import language_choices

register = template.Library()


@register.simple_tag(takes_context=True)
def language_options(context) -> list[tuple[str, str, bool]]:
    """(code, name, selected) per language; "" is "as my browser says"."""
    request = context.get("request")
    chosen = ""
    if request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            chosen = user.language or ""
        else:
            cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
            chosen = cookie if cookie in dict(settings.LANGUAGES) else ""
    return [(code, name, code == chosen) for code, name in language_choices()]
