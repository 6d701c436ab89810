"""`/api/admin`: partners and their members, designs, materials, task templates,
products, and order intake. Each handler validates, calls one service or
selector, and renders.
"""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from loomworks.api.admin_schemas import (
    BODY_ERRORS,
    AdminDesignEnvelope,
    AdminDesignFilters,
    AdminDesignIn,
    AdminDesignList,
    AdminDesignPatch,
    AdminMaterialEnvelope,
    AdminMaterialFilters,
    AdminMaterialIn,
    AdminMaterialList,
    AdminMaterialPatch,
    AdminMemberEnvelope,
    AdminMemberIn,
    AdminMemberList,
    AdminMemberPatch,
    AdminOrderEnvelope,
    AdminOrderIn,
    AdminPage,
    AdminPartnerCreated,
    AdminPartnerEnvelope,
    AdminPartnerFilters,
    AdminPartnerIn,
    AdminPartnerList,
    AdminPartnerPatch,
    AdminProductEnvelope,
    AdminProductIn,
    AdminProductList,
    AdminSearchFilters,
    AdminTemplateEnvelope,
    AdminTemplateFilters,
    AdminTemplateIn,
    AdminTemplateList,
    AdminTemplatePatch,
    AdminTemplateRemoved,
    PathId,
    paginate,
    responses,
)
from loomworks.catalog import selectors as catalog_selectors
from loomworks.catalog import services as catalog
from loomworks.core.errors import InvalidInput
from loomworks.orders import services as orders
from loomworks.partners import selectors as partner_selectors
from loomworks.partners import services as partners
from loomworks.work import selectors as work_selectors
from loomworks.work import services as work

router = Router(tags=["admin: partners and catalogue"])


# ---------------------------------------------------------------- serialisers


def partner_out(partner) -> dict:
    return {
        "id": partner.pk,
        "name": partner.name,
        "handle": partner.handle,
        "status": partner.status,
        "email": partner.email,
        "phone": partner.phone,
        "contact_name": partner.contact_name,
        "address": partner.address,
        "country": partner.country,
        "languages": list(partner.languages or []),
        "roles": list(partner.roles or []),
        "created_at": partner.created_at,
        "updated_at": partner.updated_at,
    }


def member_out(member) -> dict:
    user = member.user
    return {
        "id": member.pk,
        "partner_id": member.partner_id,
        "user_id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "name": user.display_name,
        "role": member.role,
        "is_active": member.is_active,
        "language": user.language,
        "password_set": user.has_usable_password(),
        "created_at": member.created_at,
    }


def design_out(design) -> dict:
    """Expects specifications, colours, sizes and materials prefetched (`design_get`)."""
    return {
        "id": design.pk,
        "name": design.name,
        "description": design.description,
        "status": design.status,
        "priority": design.priority,
        "thumbnail_url": design.thumbnail_url,
        "tags": design.tags,
        "notes": design.notes,
        "target_date": design.target_date,
        "measurement_unit": design.measurement_unit,
        "created_at": design.created_at,
        "updated_at": design.updated_at,
        **catalog_selectors.design_parts(design),
    }


def material_out(material) -> dict:
    return {
        "id": material.pk,
        "sku": material.sku,
        "name": material.name,
        "unit": material.unit,
        "unit_label": material.get_unit_display(),
        "stock_on_hand": catalog_selectors.json_number(material.stock_on_hand),
        "unit_cost": material.unit_cost,
        "currency": material.currency,
        "archived": material.archived,
        "created_at": material.created_at,
        "updated_at": material.updated_at,
    }


def template_out(template) -> dict:
    return {
        "id": template.pk,
        "name": template.name,
        "description": template.description,
        "category": template.category,
        "priority": template.priority,
        "estimated_duration": template.estimated_duration,
        "checklist": [str(item) for item in template.checklist or []],
        "archived": template.archived,
        "created_at": template.created_at,
        "updated_at": template.updated_at,
    }


def product_out(product) -> dict:
    return {
        "id": product.pk,
        "title": product.title,
        "handle": product.handle,
        "design_id": product.design_id,
        "created_at": product.created_at,
        "variants": [
            {
                "id": variant.pk,
                "sku": variant.sku,
                "title": variant.title,
                "design_id": variant.design_id,
            }
            for variant in product.variants.all()
        ],
    }


def order_out(order) -> dict:
    return {
        "id": order.pk,
        "external_id": order.external_id,
        "created_at": order.created_at,
        "lines": [
            {
                "id": line.pk,
                "external_id": line.external_id,
                "product_id": line.product_id,
                "variant_id": line.variant_id,
                "sku": line.sku,
                "quantity": line.quantity,
                "position": line.position,
            }
            for line in order.lines.all()
        ],
    }


# ---------------------------------------------------------------- partners


@router.post("/partners", response=responses({201: AdminPartnerCreated}, *BODY_ERRORS, 409))
def partner_create(request: HttpRequest, payload: AdminPartnerIn):
    """Create a partner with its first member, its owner. A taken handle or e-mail is 409."""
    partner, owner = partners.partner_create(
        name=payload.name,
        handle=payload.handle,
        email=payload.email or "",
        phone=payload.phone,
        status=payload.status,
        admin=payload.admin.dict(),
    )
    return Status(201, {"partner": partner_out(partner), "admin": member_out(owner)})


@router.get("/partners", response=responses({200: AdminPartnerList}, 422))
def partner_list(request: HttpRequest, filters: Query[AdminPartnerFilters]):
    partners_found = partner_selectors.partner_list(status=filters.status, q=filters.q)
    return paginate(partners_found, filters, "partners", partner_out)


@router.get("/partners/{partner_id}", response=responses({200: AdminPartnerEnvelope}, 404))
def partner_detail(request: HttpRequest, partner_id: PathId):
    return {"partner": partner_out(partner_selectors.partner_get(partner_id))}


@router.patch(
    "/partners/{partner_id}", response=responses({200: AdminPartnerEnvelope}, *BODY_ERRORS, 404)
)
def partner_update(request: HttpRequest, partner_id: PathId, payload: AdminPartnerPatch):
    """Change a partner's name, contact, address, country, languages, the roles it can
    take on, or its status (active, inactive, pending). Audited."""
    partner = partner_selectors.partner_get(partner_id)
    partner = partners.partner_update(
        partner=partner, actor=request.actor, **payload.dict(exclude_unset=True)
    )
    return {"partner": partner_out(partner)}


@router.patch(
    "/partners/{partner_id}/members/{member_id}",
    response=responses({200: AdminMemberEnvelope}, *BODY_ERRORS, 404, 409),
)
def member_edit(
    request: HttpRequest, partner_id: PathId, member_id: PathId, payload: AdminMemberPatch
):
    """Change a member's name, role or language, or switch them off (`is_active: false`):
    they lose the portal and the API at once and their API tokens are revoked. The only
    active owner cannot be switched off or given another role (409)."""
    member = partner_selectors.member_get(partner_selectors.partner_get(partner_id), member_id)
    member = partners.member_update(
        member=member, actor=request.actor, **payload.dict(exclude_unset=True)
    )
    member.user.refresh_from_db()
    return {"member": member_out(member)}


@router.post(
    "/partners/{partner_id}/members",
    response=responses({201: AdminMemberEnvelope}, *BODY_ERRORS, 404, 409),
)
def member_add(request: HttpRequest, partner_id: PathId, payload: AdminMemberIn):
    """Add a person to a partner. Someone with that e-mail already is 409."""
    partner = partner_selectors.partner_get(partner_id)
    member = partners.member_add(partner=partner, **payload.dict())
    return Status(201, {"member": member_out(member)})


@router.post(
    "/partners/{partner_id}/members/{member_id}/invite",
    response=responses({202: AdminMemberEnvelope}, 404, 409),
)
def member_invite(request: HttpRequest, partner_id: PathId, member_id: PathId):
    """E-mail the member a new invitation to choose a password: 202, the e-mail is on its way.

    Only for a member who has not set a password yet (409 otherwise: they can
    use "Forgot your password?"), and who is active (409).
    """
    member = partner_selectors.member_get(partner_selectors.partner_get(partner_id), member_id)
    partners.member_invitation_resend(member=member)
    return Status(202, {"member": member_out(member)})


@router.get("/partners/{partner_id}/members", response=responses({200: AdminMemberList}, 404, 422))
def member_list(request: HttpRequest, partner_id: PathId, filters: Query[AdminPage]):
    partner = partner_selectors.partner_get(partner_id)
    return paginate(partner_selectors.member_list(partner), filters, "members", member_out)


# ---------------------------------------------------------------- designs


@router.post("/designs", response=responses({201: AdminDesignEnvelope}, *BODY_ERRORS))
def design_create(request: HttpRequest, payload: AdminDesignIn):
    """A design with its specifications, colours, sizes and bill of materials."""
    design = catalog.design_create(actor=request.actor, **payload.dict())
    return Status(201, {"design": design_out(catalog_selectors.design_get(design.pk))})


@router.get("/designs", response=responses({200: AdminDesignList}, 422))
def design_list(request: HttpRequest, filters: Query[AdminDesignFilters]):
    designs = catalog_selectors.design_list(status=filters.status, q=filters.q)
    return paginate(designs, filters, "designs", design_out)


@router.get("/designs/{design_id}", response=responses({200: AdminDesignEnvelope}, 404))
def design_detail(request: HttpRequest, design_id: PathId):
    return {"design": design_out(catalog_selectors.design_get(design_id))}


@router.patch(
    "/designs/{design_id}", response=responses({200: AdminDesignEnvelope}, *BODY_ERRORS, 404)
)
def design_update(request: HttpRequest, design_id: PathId, payload: AdminDesignPatch):
    """Change a design; a nested list, when given, replaces the design's rows."""
    for index, line in enumerate(payload.materials or []):
        if line.material_id:
            field = f"materials[{index}].material_id"
            catalog_selectors.material_for_input(line.material_id, field=field)
        elif not line.name.strip():
            raise InvalidInput(f"materials[{index}].name", _("Give a material id or a name."))
    design = catalog_selectors.design_get(design_id)
    catalog.design_update(design=design, actor=request.actor, **payload.dict(exclude_unset=True))
    return {"design": design_out(catalog_selectors.design_get(design_id))}


# ---------------------------------------------------------------- materials and templates


@router.post("/materials", response=responses({201: AdminMaterialEnvelope}, *BODY_ERRORS, 409))
def material_create(request: HttpRequest, payload: AdminMaterialIn):
    """A material partners log consumption against. A taken SKU is 409."""
    material = catalog.material_create(actor=request.actor, **payload.dict())
    return Status(201, {"material": material_out(material)})


@router.get("/materials", response=responses({200: AdminMaterialList}, 422))
def material_list(request: HttpRequest, filters: Query[AdminMaterialFilters]):
    """Materials by name; `archived=false` leaves out the archived ones."""
    materials = catalog_selectors.material_list(q=filters.q, archived=filters.archived)
    return paginate(materials, filters, "materials", material_out)


@router.get("/materials/{material_id}", response=responses({200: AdminMaterialEnvelope}, 404))
def material_read(request: HttpRequest, material_id: PathId):
    return {"material": material_out(catalog_selectors.material_get(material_id))}


@router.patch(
    "/materials/{material_id}",
    response=responses({200: AdminMaterialEnvelope}, *BODY_ERRORS, 404, 409),
)
def material_edit(request: HttpRequest, material_id: PathId, payload: AdminMaterialPatch):
    """Change a material; `archived: true` archives it (it stays on what names it). Its unit
    can change only while no design lists it and nothing was logged in it (else 409)."""
    material = catalog_selectors.material_get(material_id)
    material = catalog.material_update(
        material=material, actor=request.actor, **payload.dict(exclude_unset=True)
    )
    return {"material": material_out(material)}


@router.post("/task-templates", response=responses({201: AdminTemplateEnvelope}, *BODY_ERRORS))
def template_create(request: HttpRequest, payload: AdminTemplateIn):
    """A reusable step; its checklist becomes each task's subtasks."""
    template = work.template_create(actor=request.actor, **payload.dict())
    return Status(201, {"task_template": template_out(template)})


@router.get("/task-templates", response=responses({200: AdminTemplateList}, 422))
def template_list(request: HttpRequest, filters: Query[AdminTemplateFilters]):
    """Templates by name; `archived=false` leaves out the archived ones."""
    templates = work_selectors.template_list(q=filters.q, archived=filters.archived)
    return paginate(templates, filters, "task_templates", template_out)


@router.patch(
    "/task-templates/{template_id}",
    response=responses({200: AdminTemplateEnvelope}, *BODY_ERRORS, 404),
)
def template_edit(request: HttpRequest, template_id: PathId, payload: AdminTemplatePatch):
    """Change a template; only the fields sent change, `checklist` replaces the list (its
    order is the subtasks' order). `archived: true` archives it: it is no longer offered
    or accepted for new dispatches, and tasks made from it keep it. Runs already sent keep
    the checklist they were given."""
    template = work_selectors.template_get(template_id)
    template = work.template_update(
        template=template, actor=request.actor, **payload.dict(exclude_unset=True)
    )
    return {"task_template": template_out(template)}


@router.delete(
    "/task-templates/{template_id}", response=responses({200: AdminTemplateRemoved}, 404)
)
def template_remove(request: HttpRequest, template_id: PathId):
    """Delete a template no run used. One that runs used is archived instead (their
    tasks keep it; it is no longer offered or accepted for new dispatches): `result`
    says which happened."""
    template = work_selectors.template_get(template_id)
    before = template_out(template)
    result = work.template_remove(template=template, actor=request.actor)
    if result == "archived":
        before = template_out(work_selectors.template_get(template_id))
    return {"result": result, "task_template": before}


# ---------------------------------------------------------------- products and orders


@router.post("/products", response=responses({201: AdminProductEnvelope}, *BODY_ERRORS, 409))
def product_create(request: HttpRequest, payload: AdminProductIn):
    """A store product and its variants. A taken handle or SKU is 409."""
    product = catalog.product_create(**payload.dict())
    return Status(201, {"product": product_out(catalog_selectors.product_get(product.pk))})


@router.get("/products", response=responses({200: AdminProductList}, 422))
def product_list(request: HttpRequest, filters: Query[AdminSearchFilters]):
    products = catalog_selectors.product_list(q=filters.q)
    return paginate(products, filters, "products", product_out)


@router.get("/products/{product_id}", response=responses({200: AdminProductEnvelope}, 404))
def product_detail(request: HttpRequest, product_id: PathId):
    return {"product": product_out(catalog_selectors.product_get(product_id))}


@router.post(
    "/orders",
    response=responses({200: AdminOrderEnvelope, 201: AdminOrderEnvelope}, *BODY_ERRORS, 409),
)
def order_place(request: HttpRequest, payload: AdminOrderIn):
    """Record a store order once. The same `external_id` again answers 200 with the
    order recorded first, and makes no new runs. Runs follow from `order.placed`."""
    result = orders.order_place(
        external_id=payload.external_id,
        lines=[line.dict() for line in payload.lines],
        actor=request.actor,
    )
    return Status(201 if result.created else 200, {"order": order_out(result.order)})
