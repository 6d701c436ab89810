"""What the admin API accepts, and the catalogue objects it returns.

Input is checked here, before any lookup, so a request with a bad body
answers 422 naming the field even when the object in its path does not
exist (API.md: auth, input, the object in the path, its state). Limits
match the database columns: PostgreSQL refuses a string longer than its
column, a NUL character, or a number beyond its integer type, and none of
that may surface as a 500.
"""

import math
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, StrictBool, StringConstraints, WithJsonSchema
from pydantic import Strict as StrictType
from pydantic_core import PydanticCustomError

from loomworks.api.schemas import (
    CURSOR_HELP,
    CommentOut,
    Cursor,
    DeliveryOut,
    ErrorOut,
    HistoryOut,
    Input,
    Listing,
    Out,
    PartnerRef,
    RunOut,
    TaskOut,
)
from loomworks.catalog.models import DesignStatus, MaterialUnit, MeasurementUnit, Priority
from loomworks.core.errors import NotFound
from loomworks.core.limits import (
    HEX_COLOUR_PATTERN,
    MAX_AMOUNT,
    MAX_DURATION_MINUTES,
    MAX_OFFSET,
    MAX_ORDER_GROUP,
    MAX_QUANTITY,
    MAX_TEXT,
    MAX_UNIT_COST,
)
from loomworks.core.paging import Page, page_of
from loomworks.partners.models import MemberRole, PartnerRole, PartnerStatus
from loomworks.production.models import RunStatus, RunType
from loomworks.production.selectors import RunFilters

MAX_JSON_DEPTH = 20

# ---------------------------------------------------------------- scalar types


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError(_("Text cannot contain NUL characters."))
    return value


def _storable_text(value: str) -> str:
    """Text inside JSON: pydantic checks no further, so refuse what UTF-8 cannot hold here."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(_("Text must be valid Unicode.")) from None
    return _no_nul(value)


def _email(value: str) -> str:
    value = value.strip().lower()
    try:
        validate_email(value)
    except DjangoValidationError:
        raise ValueError(_("Give a valid e-mail address.")) from None
    return value


def _plain_json(value: Any, depth: int = 0) -> Any:
    """JSON the database stores as given: no NUL in strings, no NaN or infinity, not too deep."""
    if depth > MAX_JSON_DEPTH:
        raise ValueError(_("This value is nested too deeply."))
    if isinstance(value, str):
        return _storable_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(_("Numbers must be finite."))
    if isinstance(value, dict):
        return {_storable_text(str(k)): _plain_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_json(v, depth + 1) for v in value]
    return value


def _path_id(value: str) -> str:
    # An id with a NUL byte names nothing; saying so beats a database error.
    if "\x00" in value:
        raise NotFound()
    return value


def text(max_length: int = MAX_TEXT) -> Any:
    """Optional free text (may be blank)."""
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_no_nul)]


def _not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise PydanticCustomError(
            "string_too_short", "String should have at least 1 character", {"min_length": 1}
        )
    return value


def required(max_length: int) -> Any:
    """Required text: at most `max_length` characters as sent, blanks around it dropped,
    and something must remain. The length is checked before the blanks go, so what
    the API accepts is what the column (and every other door) accepts."""
    return Annotated[
        str,
        StringConstraints(min_length=1, max_length=max_length),
        AfterValidator(_not_blank),
        AfterValidator(_no_nul),
    ]


Id = Annotated[str, StringConstraints(min_length=1, max_length=40), AfterValidator(_no_nul)]
PathId = Annotated[str, AfterValidator(_path_id)]
Email = Annotated[
    str,
    StringConstraints(max_length=254),
    AfterValidator(_email),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 254}),
]


def _handle(value: str) -> str:
    if not HANDLE_PATTERN.fullmatch(value):
        raise ValueError(_("A handle is made of letters, digits, - and _."))
    return value


HANDLE_PATTERN = re.compile(r"[-a-zA-Z0-9_]+")
Handle = Annotated[
    str,
    StringConstraints(min_length=1, max_length=100),
    AfterValidator(_handle),
    WithJsonSchema(
        {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$", "minLength": 1, "maxLength": 100}
    ),
]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]
# Body numbers are strict: JSON `true` or `1.5` is not a quantity (pydantic would coerce them).
Quantity = Annotated[int, StrictType(), Field(ge=1, le=MAX_QUANTITY)]
Amount = Annotated[float, StrictType()]
WholeNumber = Annotated[int, StrictType()]
# A switch in a body: JSON `true` or `false`, never 0, 1 or "yes".
Flag = Annotated[bool, StrictType()]
JsonObject = Annotated[dict[str, Any], AfterValidator(_plain_json)]
# http(s) or a path on this site: it lands in <img src> (checked by catalog.services).
ThumbnailUrl = Annotated[
    str,
    StringConstraints(max_length=500),
    AfterValidator(_no_nul),
    WithJsonSchema(
        {
            "type": "string",
            "maxLength": 500,
            "pattern": "^((https?://[^\\s/?#]+|/(?![/\\\\]))[^\\s]*)?$",
        }
    ),
]


class Strict(Input):
    """A change request: a field it does not know is an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- paging


class AdminOffsetPage(Schema):
    """Paging by offset only (a list not paged by `core.paging`)."""

    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class AdminPage(AdminOffsetPage):
    cursor: Cursor | None = Field(None, description=CURSOR_HELP)


class AdminListing(Listing):
    pass


# ---------------------------------------------------------------- partners


# The member's language (portal, e-mails, the invitation first); blank: not set.
Language = Literal["", "en", "fr", "pt", "hi"]


class AdminMemberIn(Input):
    email: Email
    first_name: text(150) = ""
    last_name: text(150) = ""
    role: MemberRole = MemberRole.MANAGER
    password: Password | None = None
    language: Language = ""


class AdminOwnerIn(Input):
    email: Email
    first_name: text(150) = ""
    last_name: text(150) = ""
    password: Password | None = None
    language: Language = ""


class AdminPartnerIn(Input):
    name: required(200)
    handle: Handle = Field(description="letters, digits, - and _; unique")
    email: Email | None = None
    phone: text(50) = ""
    status: PartnerStatus = PartnerStatus.ACTIVE
    admin: AdminOwnerIn


class AdminPartnerPatch(Strict):
    """Only the fields sent change; `null` clears e-mail, phone, contact or address.
    `status: inactive` stops its members using the portal and the API."""

    name: required(200) = None
    email: Email | None = None
    phone: text(50) | None = None
    status: PartnerStatus = None
    contact_name: text(200) | None = None
    address: text(1000) | None = None
    country: text(2) | None = Field(None, description="ISO 3166-1 alpha-2, such as PT")
    languages: list[text(2)] = Field(
        None, max_length=20, description="ISO 639-1 codes of the languages spoken, such as pt"
    )
    roles: list[PartnerRole] = Field(None, max_length=20, description="the work it can take on")


class AdminMemberPatch(Strict):
    """Only the fields sent change. `is_active: false` switches the member off: the portal
    and the API refuse them from their next request, and their API tokens are revoked."""

    first_name: text(150) | None = None
    last_name: text(150) | None = None
    role: MemberRole = None
    language: Language = None
    is_active: StrictBool = None


class AdminPartnerFilters(AdminPage):
    status: PartnerStatus | None = None
    q: text(200) | None = None


class AdminPartnerOut(Out):
    id: str
    name: str
    handle: str
    status: str
    email: str
    phone: str
    contact_name: str
    address: str
    country: str
    languages: list[str]
    roles: list[str]
    created_at: datetime
    updated_at: datetime


class AdminMemberOut(Out):
    id: str
    partner_id: str
    user_id: int
    email: str
    first_name: str
    last_name: str
    name: str
    role: str
    is_active: bool
    language: str
    password_set: bool = Field(
        description="false while the member has not chosen a password (an invitation is pending)"
    )
    created_at: datetime


class AdminPartnerEnvelope(Out):
    partner: AdminPartnerOut


class AdminPartnerCreated(Out):
    partner: AdminPartnerOut
    admin: AdminMemberOut


class AdminPartnerList(AdminListing):
    partners: list[AdminPartnerOut]


class AdminMemberEnvelope(Out):
    member: AdminMemberOut


class AdminMemberList(AdminListing):
    members: list[AdminMemberOut]


# ---------------------------------------------------------------- designs


class AdminSpecificationIn(Input):
    title: required(200)
    category: text(100) = ""
    details: text() = ""
    measurements: JsonObject = Field(default_factory=dict)


class AdminColorIn(Input):
    name: required(100)
    hex_code: str = Field(pattern=HEX_COLOUR_PATTERN, examples=["#1A2B3C"])
    usage_notes: text() = ""


class AdminSizeSetIn(Input):
    size_label: required(50)
    measurements: JsonObject = Field(default_factory=dict)


class AdminDesignMaterialIn(Input):
    """A bill-of-materials line: a known material by id, or just a name."""

    material_id: Id | None = None
    name: text(200) = ""
    planned_quantity: Amount = Field(0, ge=0, lt=float(MAX_AMOUNT), allow_inf_nan=False)
    unit: text(20) = ""


class AdminDesignIn(Input):
    name: required(200)
    description: text() = ""
    status: DesignStatus | None = None
    priority: Priority | None = None
    thumbnail_url: ThumbnailUrl = ""
    tags: list[text(100)] = Field(default_factory=list, max_length=50)
    notes: text() = ""
    target_date: date | None = None
    measurement_unit: MeasurementUnit = Field(
        MeasurementUnit.CENTIMETRE, description="the unit of the sizes' measurement table"
    )
    specifications: list[AdminSpecificationIn] = Field(default_factory=list, max_length=200)
    colors: list[AdminColorIn] = Field(default_factory=list, max_length=200)
    size_sets: list[AdminSizeSetIn] = Field(default_factory=list, max_length=200)
    materials: list[AdminDesignMaterialIn] = Field(default_factory=list, max_length=200)


class AdminDesignPatch(Strict):
    """Only the fields sent change. Nested lists, when given, replace the design's rows."""

    name: required(200) = None
    description: text() | None = None
    status: DesignStatus = None
    priority: Priority = None
    thumbnail_url: ThumbnailUrl | None = None
    tags: list[text(100)] = Field(None, max_length=50)
    notes: text() | None = None
    target_date: date | None = None
    measurement_unit: MeasurementUnit = None
    specifications: list[AdminSpecificationIn] = Field(None, max_length=200)
    colors: list[AdminColorIn] = Field(None, max_length=200)
    size_sets: list[AdminSizeSetIn] = Field(None, max_length=200)
    materials: list[AdminDesignMaterialIn] = Field(None, max_length=200)


class AdminDesignFilters(AdminPage):
    status: DesignStatus | None = None
    q: text(200) | None = None


class AdminSpecificationOut(Out):
    title: str
    category: str
    details: str
    measurements: dict[str, Any]


class AdminColorOut(Out):
    name: str
    hex_code: str
    usage_notes: str


class AdminSizeSetOut(Out):
    size_label: str
    measurements: dict[str, Any]


class AdminDesignMaterialOut(Out):
    material_id: str | None
    sku: str
    name: str
    planned_quantity: float
    unit: str


class AdminDesignOut(Out):
    id: str
    name: str
    description: str
    status: str
    priority: str
    thumbnail_url: str
    tags: list[Any]
    notes: str
    target_date: date | None
    measurement_unit: str
    measurement_points: list[str] = Field(
        description="the points of measure in the table's order (keys of the sizes' measurements)"
    )
    created_at: datetime
    updated_at: datetime
    specifications: list[AdminSpecificationOut]
    colors: list[AdminColorOut]
    size_sets: list[AdminSizeSetOut]
    materials: list[AdminDesignMaterialOut]


class AdminDesignEnvelope(Out):
    design: AdminDesignOut


class AdminDesignList(AdminListing):
    designs: list[AdminDesignOut]


# ---------------------------------------------------------------- materials, templates, products


Money = Annotated[
    Decimal,
    Field(ge=0, lt=MAX_UNIT_COST, max_digits=14, decimal_places=4, allow_inf_nan=False),
]
Currency = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, min_length=3, max_length=3),
    WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$", "examples": ["EUR"]}),
]


class AdminMaterialIn(Input):
    sku: required(100)
    name: required(200)
    unit: MaterialUnit = Field(
        description="the one unit the material is counted, costed and logged in"
    )
    stock_on_hand: Amount | None = Field(None, ge=0, lt=float(MAX_AMOUNT), allow_inf_nan=False)
    unit_cost: Money | None = Field(
        None, description="what one unit costs, a decimal (a string keeps every digit)"
    )
    currency: Currency | None = Field(None, description="ISO 4217, needed with a unit cost")


class AdminMaterialPatch(Strict):
    """Only the fields sent change. The unit can change only while nothing uses it."""

    sku: required(100) = None
    name: required(200) = None
    unit: MaterialUnit = None
    stock_on_hand: Amount | None = Field(None, ge=0, lt=float(MAX_AMOUNT), allow_inf_nan=False)
    unit_cost: Money | None = None
    currency: Currency | None = None
    archived: StrictBool = None


class AdminMaterialOut(Out):
    id: str
    sku: str
    name: str
    unit: str
    unit_label: str
    stock_on_hand: float | None
    unit_cost: Decimal | None = Field(description="a decimal string, in `currency`")
    currency: str
    archived: bool
    created_at: datetime
    updated_at: datetime


class AdminMaterialEnvelope(Out):
    material: AdminMaterialOut


class AdminMaterialList(AdminListing):
    materials: list[AdminMaterialOut]


class AdminSearchFilters(AdminPage):
    q: text(200) | None = None


class AdminMaterialFilters(AdminSearchFilters):
    archived: bool | None = Field(None, description="false: only materials in use; true: archived")


class AdminTemplateIn(Input):
    name: required(200)
    description: text() = ""
    category: text(100) = ""
    priority: Priority = Priority.MEDIUM
    estimated_duration: WholeNumber | None = Field(
        None, ge=0, le=MAX_DURATION_MINUTES, description="minutes"
    )
    checklist: list[required(300)] = Field(default_factory=list, max_length=100)


class AdminTemplatePatch(Strict):
    """Only the fields sent change; `checklist` replaces the whole list, in its order."""

    name: required(200) = None
    description: text() | None = None
    category: text(100) | None = None
    priority: Priority = None
    estimated_duration: WholeNumber | None = Field(
        None, ge=0, le=MAX_DURATION_MINUTES, description="minutes"
    )
    checklist: list[required(300)] = Field(None, max_length=100)
    archived: StrictBool = None


class AdminTemplateFilters(AdminSearchFilters):
    archived: bool | None = Field(None, description="false: only templates in use; true: archived")


class AdminTemplateOut(Out):
    id: str
    name: str
    description: str
    category: str
    priority: str
    estimated_duration: int | None
    checklist: list[str]
    archived: bool
    created_at: datetime
    updated_at: datetime


class AdminTemplateEnvelope(Out):
    task_template: AdminTemplateOut


class AdminTemplateRemoved(Out):
    result: Literal["deleted", "archived"] = Field(
        description="deleted: no run used it; archived: runs used it, so it is kept, archived"
    )
    task_template: AdminTemplateOut


class AdminTemplateList(AdminListing):
    task_templates: list[AdminTemplateOut]


class AdminVariantIn(Input):
    sku: required(100)
    title: text(200) = ""
    design_id: Id | None = None


class AdminProductIn(Input):
    title: required(200)
    handle: text(200) | None = None
    design_id: Id | None = None
    variants: list[AdminVariantIn] = Field(default_factory=list, max_length=200)


class AdminVariantOut(Out):
    id: str
    sku: str
    title: str
    design_id: str | None


class AdminProductOut(Out):
    id: str
    title: str
    handle: str
    design_id: str | None
    created_at: datetime
    variants: list[AdminVariantOut]


class AdminProductEnvelope(Out):
    product: AdminProductOut


class AdminProductList(AdminListing):
    products: list[AdminProductOut]


# ---------------------------------------------------------------- orders


class AdminOrderLineIn(Input):
    external_id: required(200)
    product_id: Id | None = None
    variant_id: Id | None = None
    sku: text(100) | None = None
    quantity: Quantity


class AdminOrderIn(Input):
    external_id: required(200)
    lines: list[AdminOrderLineIn] = Field(min_length=1, max_length=500)


class AdminOrderLineOut(Out):
    id: str
    external_id: str
    product_id: str | None
    variant_id: str | None
    sku: str
    quantity: int
    position: int


class AdminOrderOut(Out):
    id: str
    external_id: str
    created_at: datetime
    lines: list[AdminOrderLineOut]


class AdminOrderEnvelope(Out):
    order: AdminOrderOut


# ---------------------------------------------------------------- production runs


class SizeQuantityIn(Strict):
    """One cell of a run's size × colour matrix (sizes and colours: the design's)."""

    size: text(50) = ""
    color: text(100) = ""
    quantity: WholeNumber = Field(ge=0, le=MAX_QUANTITY)


SizeQuantities = list[SizeQuantityIn]
SIZE_QUANTITIES_HELP = (
    "the quantity by size and colour: cells of the design's sizes and colours, each 0 or "
    "more, adding up to the quantity; an empty list gives none"
)


class AdminRunIn(Input):
    design_id: Id
    quantity: Quantity = 1
    size_quantities: SizeQuantities = Field(
        default_factory=list, max_length=2000, description=SIZE_QUANTITIES_HELP
    )
    run_type: RunType = RunType.PRODUCTION
    partner_id: Id | None = None
    role: text(100) = ""
    due_date: date | None = None
    notes: text() = ""
    status: Literal["draft", "pending_review"] = RunStatus.PENDING_REVIEW.value


class AdminRunPatch(Strict):
    """Only the fields sent change; `null` clears the due date."""

    quantity: Quantity = None
    size_quantities: SizeQuantities = Field(None, max_length=2000, description=SIZE_QUANTITIES_HELP)
    role: text(100) | None = None
    run_type: RunType = None
    due_date: date | None = None
    notes: text() | None = None


class AdminRunFilter(Schema):
    """The admin run list's filters: the list and its export take them as query
    parameters, a bulk action as its `filter` object; `run_filters()` gives the domain's."""

    status: RunStatus | None = None
    partner_id: Id | None = None
    run_type: RunType | None = None
    design_id: Id | None = None
    parent_run_id: Id | None = None
    top_level: bool | None = Field(None, description="true: parents and stand-alone runs only")
    late: bool | None = None
    q: text(200) | None = Field(
        None, description="run id or reference, design name, partner name or handle"
    )
    order: str = Field(
        "-created_at",
        pattern=r"^(-?created_at|-?status|-?quantity|-?due_date|-?reference)$",
        description="-created_at (default), created_at, status, quantity, due_date, reference; "
        "'-' in front reverses",
    )

    def run_filters(self) -> RunFilters:
        """The domain's filters for these: the list, its export and a bulk action agree."""
        return RunFilters(**{name: getattr(self, name) for name in AdminRunFilter.model_fields})


class AdminRunListFilters(AdminRunFilter, AdminPage):
    """The admin run list's filters and its page."""


class ExportFormat(Schema):
    """An export's file: `csv` (streamed; `bom=true` adds a byte-order mark for Excel) or
    `xlsx`."""

    format: Literal["csv", "xlsx"] = "csv"
    bom: bool = False


class AdminRunExportQuery(AdminRunFilter, ExportFormat):
    """The list's filters and the export's file format."""


class AdminAssignmentIn(Input):
    partner_id: Id
    role: text(100) = ""
    quantity: Quantity
    order: WholeNumber | None = Field(
        None, ge=1, le=MAX_ORDER_GROUP, description="order group, default 1"
    )
    template_ids: list[Id] = Field(default_factory=list, max_length=50)
    size_quantities: SizeQuantities | None = Field(
        None,
        max_length=2000,
        description="this part's own size × colour cells (every part of its order group "
        "gives them, adding up to the run's cell by cell); left out: the part gets its "
        "share of the run's cells in proportion to its quantity",
    )


class AdminApproveIn(Input):
    size_quantities: SizeQuantities | None = Field(
        None,
        max_length=2000,
        description=SIZE_QUANTITIES_HELP + "; given here, it replaces the run's as it is "
        "approved; left out, the run keeps its own",
    )
    assignments: list[AdminAssignmentIn] = Field(default_factory=list, max_length=100)


class AdminFromDesignIn(Input):
    quantity: Quantity | None = None
    run_type: RunType = RunType.PRODUCTION
    due_date: date | None = None
    notes: text() = ""
    assignments: list[AdminAssignmentIn] = Field(default_factory=list, max_length=100)


class AdminPriceIn(Input):
    unit: Literal["piece", "run"]
    amount: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
        WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d+)?$", "examples": ["12.50"]}),
    ] = Field(description="per piece or per run, up to four decimals")
    currency: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=3),
        WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$", "examples": ["EUR"]}),
    ]


class AdminSendIn(Input):
    template_ids: list[Id] = Field(min_length=1, max_length=50)
    price: AdminPriceIn | None = Field(
        None, description="the partner's price for this run, instead of its rate card's"
    )


class AdminAddTasksIn(Input):
    template_ids: list[Id] = Field(default_factory=list, max_length=50)
    title: text(300) = ""
    description: text() = ""


class AdminReassignIn(Input):
    partner_id: Id
    note: text() = ""


class AdminCancelIn(Input):
    reason: text() = ""


class AdminNoteIn(Input):
    note: text() = ""


def _not_past(value: date | None) -> date | None:
    if value is not None and value < timezone.localdate():
        raise ValueError(_("The promised date cannot be in the past."))
    return value


class AdminAcceptIn(AdminNoteIn):
    promised_date: Annotated[date | None, AfterValidator(_not_past)] = None


class AdminCommentIn(Input):
    body: required(MAX_TEXT)


class AdminPolicyIn(Input):
    config: dict[Annotated[str, StringConstraints(max_length=40)], list[text(40)]]


class AdminRejectedIn(Input):
    reason: required(40)
    quantity: Quantity
    note: text() = ""
    size: text(50) = ""
    color: text(100) = ""


class AdminCellIn(Input):
    size: text(50)
    color: text(100)
    quantity: Annotated[int, StrictType(), Field(ge=0, le=MAX_QUANTITY)]


class AdminDeliveryIn(Input):
    good: Annotated[int, StrictType(), Field(ge=0, le=MAX_QUANTITY)]
    rejected: list[AdminRejectedIn] = Field(default_factory=list, max_length=50)
    size_quantities: list[AdminCellIn] = Field(default_factory=list, max_length=500)
    note: text() = ""
    shortfall_reason: text() = ""
    delivered_on: date | None = None
    final: bool = False


class AdminDeliveryCorrectIn(Strict):
    """Only the fields sent change; `reason` says why (kept with the correction)."""

    reason: required(MAX_TEXT)
    good: Annotated[int, StrictType(), Field(ge=0, le=MAX_QUANTITY)] = None
    rejected: list[AdminRejectedIn] = Field(None, max_length=50)
    size_quantities: list[AdminCellIn] = Field(None, max_length=500)
    note: text() = None
    shortfall_reason: text() = None
    delivered_on: date = None


class AdminReworkIn(Input):
    quantity: Quantity
    partner_id: Id | None = Field(None, description="default: the original run's partner")
    note: text() = ""


class AdminConfirmQuantityIn(Input):
    quantity: Quantity | None = Field(None, description="default: the proposed quantity")
    note: text() = ""


class AdminReasonIn(Input):
    code: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    label: text(100) = ""


class AdminOutputPolicyIn(Strict):
    """Only the fields sent change."""

    over_delivery: Literal["refuse", "flag"] = None
    next_step_quantity: Literal["follow", "ask"] = None
    complete_when_delivered: Annotated[bool, StrictType()] = None
    complete_when_tasks_done: Annotated[bool, StrictType()] = None
    rejection_reasons: list[AdminReasonIn] = Field(None, min_length=1, max_length=50)


class AdminReasonOut(Out):
    code: str
    label: str


class AdminOutputPolicyOut(Out):
    over_delivery: str = Field(description="refuse: pieces beyond the order are refused; flag")
    next_step_quantity: str = Field(
        description="follow: the next step makes what was delivered; ask: an admin confirms"
    )
    complete_when_delivered: bool
    complete_when_tasks_done: bool
    rejection_reasons: list[AdminReasonOut]
    updated_at: datetime | None


class AdminDeliveryEnvelope(Out):
    delivery: DeliveryOut
    production_run: RunOut


class AdminDispatchErrorOut(Out):
    run_id: str
    reference: str
    detail: str


class AdminRunEnvelope(Out):
    production_run: RunOut


class AdminRunList(AdminListing):
    production_runs: list[RunOut]


class AdminRunDetailOut(RunOut):
    snapshot: dict[str, Any]
    available_actions: list[str] = Field(
        description="what an admin may do now, as the console offers it: approve, "
        "quantity_confirmed, dispatch, accept, start, deliver, finish, complete, rework, "
        "reassign, edit, tasks_added, cancel"
    )
    planned_template_ids: list[str]
    previous_partner: PartnerRef | None
    tasks: list[TaskOut]
    parent: RunOut | None
    children: list[RunOut]
    dependents: list[RunOut]
    depends_on: list[RunOut]
    rejected_left_to_rework: int = Field(
        0, description="rejected pieces not yet in a rework run (POST …/rework)"
    )


class AdminRunDetailEnvelope(Out):
    production_run: AdminRunDetailOut


class AdminApproveOut(Out):
    production_run: RunOut
    children: list[RunOut]
    dispatch_errors: list[AdminDispatchErrorOut] = Field(
        description="parts given templates whose dispatch was refused; they stay approved"
    )


class AdminSendOut(Out):
    production_run: RunOut
    tasks: list[TaskOut]


class AdminTasksOut(Out):
    tasks: list[TaskOut]


class AdminCancelOut(Out):
    production_run: RunOut
    cancelled_children: list[str]


class AdminPolicyOut(Out):
    config: dict[str, list[str]]
    allowed: dict[str, list[str]] = Field(
        description="for each action, the statuses the state machine lets it start from"
    )
    updated_at: datetime | None


# ---------------------------------------------------------------- answers


def responses(ok: dict[int, Any], *errors: int) -> dict[int, Any]:
    """`ok` plus the error answers a route can give; every admin route can say 401 and 403."""
    return {**ok, **dict.fromkeys((401, 403, *errors), ErrorOut)}


BODY_ERRORS = (400, 422)  # malformed JSON; a body that fails validation


def paginate(queryset, page: AdminPage, key: str, serialize) -> dict:
    """One page of the ordered `queryset` in the list envelope (`core.paging`)."""
    return page_out(
        page_of(queryset, limit=page.limit, offset=page.offset, cursor=page.cursor),
        key,
        serialize,
    )


def page_out(page: Page, key: str, serialize) -> dict:
    """A page of read objects (`core.paging.Page`) in the list envelope:
    `{key: [...], count, total_is_estimate, limit, offset, next_cursor}`."""
    return {
        key: [serialize(item) for item in page.items],
        "count": page.count,
        "total_is_estimate": page.total_is_estimate,
        "limit": page.limit,
        "offset": page.offset,
        "next_cursor": page.next_cursor,
    }


class AdminCommentEnvelope(Out):
    comment: CommentOut


class AdminCommentList(Out):
    comments: list[CommentOut]


class AdminHistoryList(Out):
    history: list[HistoryOut]
