"""The API: `/api/auth`, `/api/admin`, `/api/partners`, `/api/stores` (store webhooks),
documented at `/api/openapi.json`."""

from ninja import NinjaAPI

from loomworks import __version__
from loomworks.api import admin, auth, errors, notifications, partners, stores

api = NinjaAPI(
    title="Loomworks API",
    version=__version__,
    description=(
        "Production runs for brands and their partner workshops.\n\n"
        "Authenticate with `Authorization: Bearer <token>` from `POST /api/auth/token`. "
        "A token ends at logout, after 30 days without use, when its owner's password "
        "changes, and when a partner member's membership is switched off (401 afterwards). "
        "Every error is JSON: `detail` (a sentence), `code`, and `field` when one field is "
        "at fault. A body larger than the limits (2 MB of JSON, 40 MB of files, 10 files) "
        "is refused before it is read: 413, or 400 for too many files."
    ),
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
