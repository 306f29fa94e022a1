"""What may be shown: thresholds, complementary suppression, roll-ups, comment rules.

Pure Python, no Django and no database: every view, chart, export, API answer and e-mail
passes its numbers through :class:`Policy` first. See ``docs/privacy.md``.
"""

from trustmirror.privacy.audit import Disclosure, find_disclosure, laminar_violations
from trustmirror.privacy.comments import MASK, mask_names
from trustmirror.privacy.policy import (
    DEFAULT_MIN_GROUP_SIZE,
    K_CHANGE_BELOW_FLOOR,
    K_CHANGE_PROMISED,
    K_CHANGE_PUBLISHED,
    MIN_GROUP_SIZE_FLOOR,
    CellKey,
    DemographicCut,
    OtherCells,
    Participation,
    Policy,
    k_change_refusal,
    order_for_display,
)
from trustmirror.privacy.reasons import (
    REASON_BELOW_K,
    REASON_CODES,
    REASON_COMPLEMENTARY,
    REASON_COUNT_COMBINES,
    REASON_FEW_NONRESPONDENTS,
    REASON_ROLLED_UP,
    REASON_SHOWN,
    REASON_TOO_MANY_DIMENSIONS,
)
from trustmirror.privacy.tree import (
    ORGANISATION,
    GroupCount,
    RollUp,
    TreeDisclosure,
    Visibility,
)

__all__ = [
    "DEFAULT_MIN_GROUP_SIZE",
    "K_CHANGE_BELOW_FLOOR",
    "K_CHANGE_PROMISED",
    "K_CHANGE_PUBLISHED",
    "MASK",
    "MIN_GROUP_SIZE_FLOOR",
    "ORGANISATION",
    "REASON_CODES",
    "REASON_BELOW_K",
    "REASON_COMPLEMENTARY",
    "REASON_COUNT_COMBINES",
    "REASON_FEW_NONRESPONDENTS",
    "REASON_ROLLED_UP",
    "REASON_SHOWN",
    "REASON_TOO_MANY_DIMENSIONS",
    "CellKey",
    "DemographicCut",
    "Disclosure",
    "GroupCount",
    "OtherCells",
    "Participation",
    "Policy",
    "RollUp",
    "TreeDisclosure",
    "Visibility",
    "find_disclosure",
    "k_change_refusal",
    "laminar_violations",
    "mask_names",
    "order_for_display",
]
