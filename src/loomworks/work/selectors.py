"""Reads of tasks' building blocks: the task templates."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from loomworks.core.errors import NotFound
from loomworks.work.models import TaskTemplate


def template_list(*, q: str | None = None, archived: bool | None = None) -> QuerySet[TaskTemplate]:
    """Templates whose name or category contains `q`, by name; `archived` False leaves
    the archived ones out, True keeps only them."""
    templates = TaskTemplate.objects.all()
    if archived is not None:
        templates = templates.filter(archived=archived)
    if q and q.strip():
        q = q.strip()
        templates = templates.filter(Q(name__icontains=q) | Q(category__icontains=q))
    return templates.order_by("name", "id")


def template_get(template_id: str) -> TaskTemplate:
    template = TaskTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise NotFound(_("No task template with id %(id)s.") % {"id": template_id})
    return template
