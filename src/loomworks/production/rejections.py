"""Why a piece was rejected: the reasons a brand offers its workshops.

The brand keeps its list in `ProductionPolicy.rejection_reasons` (`[{"code",
"label"}]`); until it changes it, these five are offered. A built-in reason
with a blank label reads in the reader's own language; a reason the brand
wrote itself reads as written.
"""

from django.utils.translation import gettext_lazy as _

# "other" asks for a note saying what it was.
OTHER = "other"

DEFAULT_REASONS = {
    "fabric_fault": _("Fabric fault"),
    "stitching_fault": _("Stitching fault"),
    "measurement": _("Out of measurement"),
    "stain": _("Stain"),
    OTHER: _("Other"),
}


def reasons_of(configured) -> dict[str, str]:
    """The reasons on offer, code → label in the active language, in the brand's order."""
    if not configured:
        return {code: str(label) for code, label in DEFAULT_REASONS.items()}
    reasons = {}
    for item in configured:
        if not isinstance(item, dict) or not item.get("code"):
            continue
        code = str(item["code"])
        label = item.get("label") or DEFAULT_REASONS.get(code) or code.replace("_", " ")
        reasons[code] = str(label)
    return reasons


def reason_label(code: str, configured=None) -> str:
    """The label of `code`; a reason the brand has since removed still reads as a reason."""
    label = reasons_of(configured).get(code)
    if label is None:
        label = DEFAULT_REASONS.get(code) or code.replace("_", " ").capitalize()
    return str(label)
