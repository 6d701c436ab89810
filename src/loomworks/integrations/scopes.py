"""What an API key may do: its scopes, and which admin routes each one opens.

A key reaches only the admin API, and there only routes that this table
gives a scope; every other route (API keys themselves, notifications and
their settings, changes to the production policy and the reminder rules,
spreadsheet imports) is for people. The table goes by the path under
`/api/admin` and the method, first match wins; `tests/api/test_api_keys.py`
checks that every admin route is either here or deliberately for people.
"""

import re

from django.utils.translation import gettext_lazy as _

RUNS_READ = "runs:read"
RUNS_WRITE = "runs:write"
ORDERS_READ = "orders:read"
ORDERS_WRITE = "orders:write"
CATALOG_READ = "catalog:read"
CATALOG_WRITE = "catalog:write"
PARTNERS_READ = "partners:read"
PARTNERS_WRITE = "partners:write"
WEBHOOKS_MANAGE = "webhooks:manage"
STORES_MANAGE = "stores:manage"
PAYABLES_READ = "payables:read"
PAYMENTS_WRITE = "payments:write"

SCOPES: dict[str, object] = {
    RUNS_READ: _("Read production runs, their history and task comments"),
    RUNS_WRITE: _("Create runs and act on them (approve, send, cancel…), comment on tasks"),
    ORDERS_READ: _("Read orders"),
    ORDERS_WRITE: _("Place and cancel orders"),
    CATALOG_READ: _("Read designs, materials, task templates and products"),
    CATALOG_WRITE: _("Create and change designs, materials, task templates and products"),
    PARTNERS_READ: _("Read partners and their members"),
    PARTNERS_WRITE: _("Create and change partners and their members"),
    WEBHOOKS_MANAGE: _("Manage webhook endpoints and replay deliveries"),
    STORES_MANAGE: _("Manage store connections and SKU mappings"),
    PAYABLES_READ: _("Read partners' rate cards, ledgers and statements"),
    PAYMENTS_WRITE: _("Set rates, record payments and adjustments, reverse ledger entries"),
}

_READ = frozenset({"GET", "HEAD", "OPTIONS"})

# (path pattern under /api/admin, scope for reading, scope for writing); None: people only.
ROUTES: list[tuple[re.Pattern, str | None, str | None]] = [
    (re.compile(p), read, write)
    for p, read, write in [
        (r"^/designs/[^/]+/production-runs/?$", RUNS_READ, RUNS_WRITE),
        (r"^/production-runs(/|$)", RUNS_READ, RUNS_WRITE),
        (r"^/tasks/", RUNS_READ, RUNS_WRITE),
        (r"^/production-run-policy/?$", RUNS_READ, None),
        (r"^/output-policy/?$", RUNS_READ, None),
        (r"^/reminder-rules(/|$)", RUNS_READ, None),
        (r"^/orders(/|$)", ORDERS_READ, ORDERS_WRITE),
        (r"^/(designs|materials|task-templates|products)(/|$)", CATALOG_READ, CATALOG_WRITE),
        (
            r"^/partners/[^/]+/(rates|ledger|payments|adjustments|statement|scorecard)(/|$)",
            PAYABLES_READ,
            PAYMENTS_WRITE,
        ),
        (r"^/costing-policy/?$", PAYABLES_READ, None),
        (r"^/partners(/|$)", PARTNERS_READ, PARTNERS_WRITE),
        (r"^/(webhooks|webhook-events)(/|$)", WEBHOOKS_MANAGE, WEBHOOKS_MANAGE),
        (r"^/stores(/|$)", STORES_MANAGE, STORES_MANAGE),
    ]
]

ADMIN_PREFIX = "/api/admin"


def scope_for(method: str, path: str) -> str | None:
    """The scope a key needs for `method` on `path`; None when only people may call it."""
    if not path.startswith(ADMIN_PREFIX + "/"):
        return None
    rest = path[len(ADMIN_PREFIX) :]
    for pattern, read, write in ROUTES:
        if pattern.search(rest):
            return read if method.upper() in _READ else write
    return None
