"""The API: `/api/auth`, `/api/admin`, `/api/partners`, `/api/stores` (store webhooks),
documented at `/api/openapi.json`."""

from ninja import NinjaAPI

from loomworks import __version__
from loomworks.api import admin, auth, errors, notifications, partners, stores

api = NinjaAPI(
    title="Loomworks API",
    version=__version__,
    description="Production runs for brands and their partner workshops.",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
api.add_router("/auth", auth.router)
api.add_router("/admin", admin.router)
api.add_router("/partners", partners.router)
api.add_router("/admin", notifications.admin_router)
api.add_router("/partners", notifications.partner_router)
api.add_router("/stores", stores.router)
