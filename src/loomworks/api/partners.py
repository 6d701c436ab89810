"""`/api/partners`: members of an active partner, scoped to their own work."""

from ninja import Router

from loomworks.api.security import PARTNER, auth_for

router = Router(auth=auth_for(PARTNER), tags=["partners"])
