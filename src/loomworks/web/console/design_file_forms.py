"""The upload form of a design's files (the design page's "Files" section)."""

from django import forms
from django.utils.translation import gettext_lazy

from loomworks.production.models import DesignFileKind


class DesignFilesForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[
            ("", gettext_lazy("Tell from the file (PDF: tech pack, image: image)")),
            *DesignFileKind.choices,
        ],
    )
