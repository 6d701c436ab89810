"""Connections (API keys, webhooks, stores) and orders: list, create, look into, cancel.

A key's value and an endpoint's or store's secret are shown on the page that
answers the form that made them, once; nothing shows them again.
"""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loomworks.core.errors import Conflict, InvalidInput, NotFound
from loomworks.integrations import keys, selectors, stores, webhooks
from loomworks.integrations.events import WEBHOOK_EVENTS
from loomworks.integrations.models import WebhookDeliveryState
from loomworks.production.services import orders as order_cancellation
from loomworks.web.console.connect_forms import (
    FIELD_NAMES,
    ApiKeyForm,
    OrderCancelForm,
    SkuMappingForm,
    StoreForm,
    StoreRenameForm,
    StoreSecretForm,
    WebhookForm,
)
from loomworks.web.console.forms import apply_error
from loomworks.web.console.views.common import (
    actor_for,
    admin_required,
    render_console,
    render_not_found,
)

PER_PAGE = 30
SECTION = "connections"


def _page(request, queryset):
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))


# ---------------------------------------------------------------- API keys


def _render_keys(request, *, form=None, created=None, raw_key=None, status=200):
    return render_console(
        request,
        "console/connect/api_keys.html",
        {
            "tab": "keys",
            "keys": list(selectors.api_key_list()),
            "form": form or ApiKeyForm(),
            "created": created,
            "raw_key": raw_key,
        },
        section=SECTION,
        status=status,
    )


@admin_required
def api_keys(request):
    if request.method != "POST":
        return _render_keys(request)
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        try:
            key, raw = keys.api_key_create(
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                actor=actor_for(request),
            )
        except InvalidInput as error:
            apply_error(form, error)
        else:
            return _render_keys(request, created=key, raw_key=raw)
    return _render_keys(request, form=form)


@admin_required
@require_POST
def api_key_revoke(request, key_id):
    try:
        key = selectors.api_key_get(key_id)
    except NotFound as error:
        return render_not_found(request, error.detail)
    keys.api_key_revoke(key=key, actor=actor_for(request))
    messages.success(
        request, _("The key %(name)s is revoked: it no longer works.") % {"name": key.name}
    )
    return redirect("console:api_keys")


# ---------------------------------------------------------------- webhooks


@admin_required
def webhook_list(request):
    return render_console(
        request,
        "console/connect/webhooks.html",
        {"tab": "webhooks", "endpoints": list(selectors.webhook_list())},
        section=SECTION,
    )


@admin_required
def webhook_create(request):
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = webhooks.webhook_endpoint_create(
                url=form.cleaned_data["url"],
                events=form.cleaned_data["events"],
                description=form.cleaned_data["description"],
                actor=actor_for(request),
            )
        except InvalidInput as error:
            apply_error(form, error)
        else:
            return _render_webhook(request, endpoint, secret=endpoint.secret)
    return render_console(
        request,
        "console/connect/webhook_new.html",
        {"tab": "webhooks", "form": form, "allow_private": settings.WEBHOOKS_ALLOW_PRIVATE},
        section=SECTION,
    )


def _render_webhook(request, endpoint, *, secret=None):
    state = request.GET.get("state", "")
    if state not in WebhookDeliveryState.values:
        state = ""
    return render_console(
        request,
        "console/connect/webhook_detail.html",
        {
            "tab": "webhooks",
            "endpoint": endpoint,
            "secret": secret,
            "event_labels": [(name, WEBHOOK_EVENTS.get(name, name)) for name in endpoint.events],
            "page": _page(request, selectors.delivery_list(endpoint, state=state)),
            "state": state,
            "states": WebhookDeliveryState.choices,
        },
        section=SECTION,
    )


def _endpoint_or_404(request, webhook_id):
    try:
        return selectors.webhook_get(webhook_id), None
    except NotFound as error:
        return None, render_not_found(request, error.detail)


@admin_required
def webhook_detail(request, webhook_id):
    endpoint, missing = _endpoint_or_404(request, webhook_id)
    return missing or _render_webhook(request, endpoint)


@admin_required
@require_POST
def webhook_toggle(request, webhook_id):
    endpoint, missing = _endpoint_or_404(request, webhook_id)
    if missing:
        return missing
    enable = request.POST.get("enabled") == "1"
    webhooks.webhook_endpoint_update(endpoint=endpoint, enabled=enable, actor=actor_for(request))
    if enable:
        messages.success(request, _("The endpoint is enabled; what waited for it is on its way."))
    else:
        messages.success(request, _("The endpoint is disabled; nothing is sent to it now."))
    return redirect("console:webhook_detail", webhook_id=endpoint.pk)


@admin_required
@require_POST
def webhook_delete(request, webhook_id):
    endpoint, missing = _endpoint_or_404(request, webhook_id)
    if missing:
        return missing
    webhooks.webhook_endpoint_delete(endpoint=endpoint, actor=actor_for(request))
    messages.success(request, _("The endpoint %(url)s is removed.") % {"url": endpoint.url})
    return redirect("console:webhook_list")


@admin_required
def webhook_delivery(request, webhook_id, delivery_id):
    endpoint, missing = _endpoint_or_404(request, webhook_id)
    if missing:
        return missing
    try:
        delivery = selectors.delivery_get(endpoint, delivery_id)
    except NotFound as error:
        return render_not_found(request, error.detail)
    return render_console(
        request,
        "console/connect/delivery_detail.html",
        {"tab": "webhooks", "endpoint": endpoint, "delivery": delivery},
        section=SECTION,
    )


@admin_required
@require_POST
def webhook_delivery_replay(request, webhook_id, delivery_id):
    endpoint, missing = _endpoint_or_404(request, webhook_id)
    if missing:
        return missing
    try:
        delivery = selectors.delivery_get(endpoint, delivery_id)
        webhooks.webhook_delivery_replay(delivery=delivery, actor=actor_for(request))
    except NotFound as error:
        return render_not_found(request, error.detail)
    except Conflict as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The delivery is on its way again, with the same id."))
    return redirect("console:webhook_delivery", webhook_id=endpoint.pk, delivery_id=delivery_id)


# ---------------------------------------------------------------- stores


def _render_stores(request, *, form=None, status=200):
    return render_console(
        request,
        "console/connect/stores.html",
        {"tab": "stores", "stores": list(selectors.store_list()), "form": form or StoreForm()},
        section=SECTION,
        status=status,
    )


@admin_required
def store_list(request):
    if request.method != "POST":
        return _render_stores(request)
    form = StoreForm(request.POST)
    if form.is_valid():
        try:
            store, secret = stores.store_create(actor=actor_for(request), **form.cleaned_data)
        except InvalidInput as error:
            apply_error(form, error)
        else:
            return _render_store(request, selectors.store_get(store.pk), secret=secret)
    return _render_stores(request, form=form)


def _render_store(
    request,
    store,
    *,
    secret=None,
    mapping_form=None,
    rename_form=None,
    secret_form=None,
    status=200,
):
    unknown = list(selectors.unknown_sku_queue(store)[:100])
    sku = request.GET.get("sku", "")
    return render_console(
        request,
        "console/connect/store_detail.html",
        {
            "tab": "stores",
            "store": store,
            "secret": secret,
            "receiver_url": stores.receiver_url(store),
            "unknown": unknown,
            "mappings": list(selectors.sku_mapping_list(store)[:200]),
            "waiting": list(selectors.store_order_list(store, state="waiting")[:50]),
            "recent": list(selectors.store_order_list(store)[:20]),
            "mapping_form": mapping_form or SkuMappingForm(initial={"sku": sku}),
            "rename_form": rename_form or StoreRenameForm(initial={"name": store.name}),
            "secret_form": secret_form or StoreSecretForm(),
        },
        section=SECTION,
        status=status,
    )


def _store_or_404(request, store_id):
    try:
        return selectors.store_get(store_id), None
    except NotFound as error:
        return None, render_not_found(request, error.detail)


@admin_required
def store_detail(request, store_id):
    store, missing = _store_or_404(request, store_id)
    return missing or _render_store(request, store)


@admin_required
@require_POST
def sku_mapping_add(request, store_id):
    store, missing = _store_or_404(request, store_id)
    if missing:
        return missing
    form = SkuMappingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = stores.sku_mapping_set(
                store=store,
                sku=data["sku"],
                design_id=data["design"].pk if data["design"] else None,
                size=data["size"],
                color=data["color"],
                skip=data["skip"],
                actor=actor_for(request),
            )
        except InvalidInput as error:
            apply_error(form, error, FIELD_NAMES)
        except Conflict as error:
            messages.error(request, error.detail)
            return redirect("console:store_detail", store.pk)
        else:
            messages.success(request, _("%(sku)s is mapped.") % {"sku": result.mapping.sku})
            if result.placed:
                messages.info(
                    request,
                    _("Orders that waited for it went on: %(orders)s.")
                    % {"orders": ", ".join(so.name or so.store_order_id for so in result.placed)},
                )
            return redirect(reverse("console:store_detail", args=[store.pk]) + "#mappings")
    return _render_store(request, store, mapping_form=form)


def _store_change(request, store_id, form_class, form_key, change):
    """A POST that changes a store: the form, then the service; errors shown on the page."""
    store, missing = _store_or_404(request, store_id)
    if missing:
        return missing
    form = form_class(request.POST)
    if form.is_valid():
        try:
            return change(store, form.cleaned_data)
        except InvalidInput as error:
            apply_error(form, error)
        except Conflict as error:
            messages.error(request, error.detail)
            return redirect("console:store_detail", store.pk)
    return _render_store(request, store, status=422, **{form_key: form})


@admin_required
@require_POST
def store_rename(request, store_id):
    def change(store, data):
        stores.store_update(store=store, name=data["name"], actor=actor_for(request))
        messages.success(request, _("The store is renamed."))
        return redirect("console:store_detail", store.pk)

    return _store_change(request, store_id, StoreRenameForm, "rename_form", change)


@admin_required
@require_POST
def store_secret(request, store_id):
    def change(store, data):
        _store, secret = stores.store_secret_replace(
            store=store, secret=data["secret"], actor=actor_for(request)
        )
        return _render_store(request, selectors.store_get(store.pk), secret=secret)

    return _store_change(request, store_id, StoreSecretForm, "secret_form", change)


@admin_required
@require_POST
def store_disconnect(request, store_id):
    store, missing = _store_or_404(request, store_id)
    if missing:
        return missing
    try:
        stores.store_disconnect(store=store, actor=actor_for(request))
    except Conflict as error:
        messages.error(request, error.detail)
    else:
        messages.success(
            request,
            _("%(name)s is disconnected: its webhooks are refused from now on.")
            % {"name": store.name},
        )
    return redirect("console:store_detail", store.pk)


@admin_required
@require_POST
def sku_mapping_remove(request, store_id):
    store, missing = _store_or_404(request, store_id)
    if missing:
        return missing
    sku = request.POST.get("sku", "")
    try:
        stores.sku_mapping_remove(store=store, sku=sku, actor=actor_for(request))
    except NotFound as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The mapping of %(sku)s is removed.") % {"sku": sku})
    return redirect(reverse("console:store_detail", args=[store.pk]) + "#mappings")


# ---------------------------------------------------------------- orders


@admin_required
def order_list(request):
    q = request.GET.get("q", "").strip()[:200]
    return render_console(
        request,
        "console/orders/list.html",
        {"page": _page(request, selectors.order_list(q=q)), "q": q},
        section="orders",
    )


def _render_order(request, order, *, form=None, status=200):
    runs = list(
        order.runs.filter(parent__isnull=True)
        .select_related("design", "partner")
        .order_by("number")
    )
    outcomes = {entry["run_id"]: entry["outcome"] for entry in order.metadata.get("cancel", [])}
    for run in runs:
        run.cancel_outcome = outcomes.get(run.pk)
    store_order = getattr(order, "store_order", None)
    return render_console(
        request,
        "console/orders/detail.html",
        {
            "order": order,
            "lines": list(order.lines.select_related("design", "variant")),
            "runs": runs,
            "store_order": store_order,
            "form": form or OrderCancelForm(),
        },
        section="orders",
        status=status,
    )


def _order_or_404(request, order_id):
    order = selectors.order_get(order_id)
    if order is None:
        return None, render_not_found(request, _("There is no order with that id."))
    return order, None


@admin_required
def order_detail(request, order_id):
    order, missing = _order_or_404(request, order_id)
    return missing or _render_order(request, order)


@admin_required
@require_POST
def order_cancel(request, order_id):
    order, missing = _order_or_404(request, order_id)
    if missing:
        return missing
    form = OrderCancelForm(request.POST)
    if form.is_valid():
        try:
            result = order_cancellation.order_cancel(
                order=order, actor=actor_for(request), reason=form.cleaned_data["reason"]
            )
        except InvalidInput as error:
            apply_error(form, error)
        else:
            in_work = [
                o.run.reference for o in result.runs if o.outcome == order_cancellation.RUN_IN_WORK
            ]
            cancelled = [
                o.run.reference
                for o in result.runs
                if o.outcome == order_cancellation.RUN_CANCELLED
            ]
            messages.success(
                request,
                _("The order is cancelled; runs cancelled with it: %(runs)s.")
                % {"runs": ", ".join(cancelled) or _("none")},
            )
            if in_work:
                messages.warning(
                    request,
                    _("Already in work, so left as they are: %(runs)s. Decide on each.")
                    % {"runs": ", ".join(in_work)},
                )
            return redirect("console:order_detail", order_id=order.pk)
    return _render_order(request, order, form=form)
