"""`/api/stores/{store_id}/…`: where Shopify and Medusa send their order webhooks.

No token: each request is checked against its store's secret before
anything is read from it, and a request that is not signed with it answers
401 and writes nothing. The same order sent again, or five times at once,
makes one order and one set of runs.
"""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from loomworks.api.admin_schemas import PathId
from loomworks.api.schemas import ErrorOut, Out
from loomworks.core.errors import NotFound
from loomworks.integrations import stores
from loomworks.integrations.models import Store, StoreKind

router = Router(tags=["stores"], auth=None)

RESPONSES = {200: None, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ReceivedOut(Out):
    status: str
    store_order_id: str | None


def _store(store_id: str, kind: str) -> Store:
    store = Store.objects.filter(pk=store_id, kind=kind, disconnected_at__isnull=True).first()
    if store is None:
        raise NotFound(_("No %(kind)s store with id %(id)s.") % {"kind": kind, "id": store_id})
    return store


def _receive(request: HttpRequest, store: Store) -> dict:
    received = stores.store_request_receive(store=store, body=request.body, meta=request.META)
    return {
        "status": received.status,
        "store_order_id": received.store_order.pk if received.store_order else None,
    }


@router.post("/{store_id}/shopify", response={**RESPONSES, 200: ReceivedOut})
def shopify_webhook(request: HttpRequest, store_id: PathId):
    """Shopify's `orders/create` and `orders/cancelled` (topic from `X-Shopify-Topic`),
    signed in `X-Shopify-Hmac-Sha256`. Other topics answer 200 `ignored`."""
    return _receive(request, _store(store_id, StoreKind.SHOPIFY))


@router.post("/{store_id}/medusa", response={**RESPONSES, 200: ReceivedOut})
def medusa_webhook(request: HttpRequest, store_id: PathId):
    """`{"type": "order.placed" | "order.canceled", "data": <order>}` from a Medusa
    subscriber, signed the Standard Webhooks way with the store's secret."""
    return _receive(request, _store(store_id, StoreKind.MEDUSA))
