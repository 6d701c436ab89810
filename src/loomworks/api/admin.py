"""`/api/admin`: brand admins only.

The routes live in `admin_catalog` (partners, designs, materials, task
templates, products, orders), `admin_runs` (production runs, task
comments, the production policy), `admin_bulk` (one action on many runs), `admin_connect` (API keys, webhooks,
stores, order cancellation), `admin_reminders` (the reminder rules) and
`admin_money` (rate cards, the payables ledger, payments, statements),
`admin_imports` (designs, materials, partners from spreadsheets) and
`admin_insights` (partner scorecards);
all inherit this router's auth, so a
partner's token answers 403 and no token 401 before anything else is read.
"""

from ninja import Router

from loomworks.api import (
    admin_bulk,
    admin_catalog,
    admin_connect,
    admin_design_files,
    admin_imports,
    admin_insights,
    admin_money,
    admin_reminders,
    admin_runs,
)
from loomworks.api.security import ADMIN, auth_for

router = Router(auth=auth_for(ADMIN), tags=["admin"])
router.add_router("", admin_catalog.router)
router.add_router("", admin_design_files.router)
# Before `admin_runs`: its `/production-runs/{run_id}` would take "bulk" for a run id.
router.add_router("", admin_bulk.router)
router.add_router("", admin_runs.router)
router.add_router("", admin_connect.router)
router.add_router("", admin_reminders.router)
router.add_router("", admin_money.router)
router.add_router("", admin_imports.router)
router.add_router("", admin_insights.router)
