"""Reads of tasks' building blocks: the task templates."""

from django.db.models import Q, QuerySet

from loomworks.work.models import TaskTemplate


def template_list(*, q: str | None = None) -> QuerySet[TaskTemplate]:
    """Templates whose name or category contains `q`, by name."""
    templates = TaskTemplate.objects.all()
    if q and q.strip():
        q = q.strip()
        templates = templates.filter(Q(name__icontains=q) | Q(category__icontains=q))
    return templates.order_by("name", "id")
