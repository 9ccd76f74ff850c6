"""Which roles may do what: the one place the role matrix is defined."""

from __future__ import annotations

from reporting.auth.models import Role

R, RES, TX, TA, ADM, INT = (
    Role.RADIOLOGIST,
    Role.RESIDENT,
    Role.TRANSCRIPTIONIST,
    Role.TEMPLATE_AUTHOR,
    Role.ADMIN,
    Role.INTEGRATION,
)

PERMISSIONS: dict[str, frozenset[Role]] = {
    "studies:read": frozenset({R, RES, TX, ADM, INT}),
    "studies:write": frozenset({ADM, INT}),
    "worklist:read": frozenset({R, RES, TX, ADM}),
    "studies:claim": frozenset({R, RES}),
    "studies:release": frozenset({R, RES, ADM}),  # own claim; admins anyone's
    "reports:read": frozenset({R, RES, TX, ADM, INT}),
    "reports:create": frozenset({R, RES, TX}),
    "reports:edit": frozenset({R, RES, TX}),
    "reports:sign": frozenset({R, RES}),
    "reports:addend": frozenset({R}),
    "reports:outputs": frozenset({R, RES, TX, ADM, INT}),
    "dictate": frozenset({R, RES, TX}),
    "deliveries:read": frozenset({R, RES, ADM, INT}),
    "deliveries:retry": frozenset({ADM}),
    "templates:read": frozenset({R, RES, TX, TA, ADM}),
    "templates:reload": frozenset({TA, ADM}),
    "macros:personal": frozenset({R, RES, TX, TA}),
    "vocabulary:personal": frozenset({R, RES, TX}),
    "audit:read": frozenset({ADM}),
    "hl7:read": frozenset({ADM, INT}),
    "hl7:reprocess": frozenset({ADM}),
    "users:read": frozenset({ADM}),
}


def allowed(permission: str, role: str) -> bool:
    return role in PERMISSIONS[permission]
