"""`/api/admin`: brand admins only."""

from ninja import Router

from loomworks.api.security import ADMIN, auth_for

router = Router(auth=auth_for(ADMIN), tags=["admin"])
