"""What the roles are called, in every language."""

from __future__ import annotations

from app.i18n import N_
from app.users.models import Role

ROLE_LABELS = {
    Role.lead: N_("Project lead"),
    Role.board: N_("Committee member"),
    Role.chair: N_("Chair"),
    Role.auditor: N_("Auditor"),
    Role.admin: N_("Administrator"),
}
