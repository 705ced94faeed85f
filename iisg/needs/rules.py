"""Who may see and change cycles, areas and needs (iisg.core.permissions machinery)."""

from django.db.models import Q

from iisg.core.choices import Role
from iisg.core.permissions import ADD, CHANGE, DELETE, EVERYTHING, NOTHING, REVIEW, VIEW, WRITE, MembersRead, Rule

from .choices import PRIVATE_STATUSES, CycleStatus, NeedStatus

# Who reads the needs the Secretariat rejected: those who map them (the Board and Support Groups,
# the partners' focal points). Donors and implementers answer needs with responses, and a rejected
# need takes none: what a partner asked for and was refused is not theirs to read.
READ_REJECTED = frozenset({Role.MEMBER, Role.FOCAL_POINT})


def _hidden_from(viewer):
    """The statuses of the other partners' needs a member may not read."""
    if viewer.roles & READ_REJECTED:
        return PRIVATE_STATUSES
    return (*PRIVATE_STATUSES, NeedStatus.REJECTED)


class NeedRule(Rule):
    """Drafts and returned needs stay with their partner and the Secretariat; rejected needs are not
    shown to donors and implementers; adopted needs are frozen."""

    def allows(self, viewer, verb, obj):
        own = viewer.is_focal_point and obj.partner_id == viewer.partner_id
        private = obj.status in PRIVATE_STATUSES
        frozen = obj.status == NeedStatus.ADOPTED
        cycle_open = obj.cycle_id is not None and obj.cycle.status == CycleStatus.OPEN
        if verb == VIEW:
            return viewer.is_secretariat or own or (viewer.is_member and obj.status not in _hidden_from(viewer))
        if frozen:
            return False
        if viewer.is_secretariat:
            return verb in WRITE | {REVIEW}
        if not (own and cycle_open):
            return False
        if verb == ADD:
            return obj.status in {NeedStatus.DRAFT, NeedStatus.SUBMITTED}
        if verb == CHANGE:
            return private
        if verb == DELETE:
            return obj.status == NeedStatus.DRAFT
        return False

    def allows_any(self, viewer, verb):
        if verb == ADD:
            return viewer.is_secretariat or viewer.is_focal_point
        return super().allows_any(viewer, verb)

    def q_allows(self, viewer, verb):
        own = Q(partner_id=viewer.partner_id) if viewer.is_focal_point else NOTHING
        not_frozen = ~Q(status=NeedStatus.ADOPTED)
        if verb == VIEW:
            if viewer.is_secretariat:
                return EVERYTHING
            if viewer.is_member:
                return own | ~Q(status__in=_hidden_from(viewer))
            return NOTHING
        if viewer.is_secretariat:
            return not_frozen if verb in WRITE | {REVIEW} else NOTHING
        if not viewer.is_focal_point:
            return NOTHING
        writable = own & Q(cycle__status=CycleStatus.OPEN)
        if verb == ADD:
            return writable & Q(status__in=[NeedStatus.DRAFT, NeedStatus.SUBMITTED])
        if verb == CHANGE:
            return writable & Q(status__in=PRIVATE_STATUSES)
        if verb == DELETE:
            return writable & Q(status=NeedStatus.DRAFT)
        return NOTHING


class NeedSectorRule(Rule):
    """The sectors of a need are read with the need. They classify it, they do not change what it
    asks for: the Secretariat accepts or removes them on any need, adopted ones included (the
    matcher reads them); the partner's focal point while it may change the need itself."""

    need_rule = NeedRule()

    def allows(self, viewer, verb, obj):
        if verb == VIEW:
            return self.need_rule.allows(viewer, VIEW, obj.need)
        if verb not in WRITE:
            return False
        return viewer.is_secretariat or self.need_rule.allows(viewer, CHANGE, obj.need)

    def allows_any(self, viewer, verb):
        if verb in WRITE:
            return viewer.is_secretariat or viewer.is_focal_point
        return super().allows_any(viewer, verb)

    def q_allows(self, viewer, verb):
        if viewer.is_secretariat:
            return EVERYTHING if verb in WRITE | {VIEW} else NOTHING
        own = Q(need__partner_id=viewer.partner_id) if viewer.is_focal_point else NOTHING
        if verb == VIEW:
            return own | ~Q(need__status__in=_hidden_from(viewer)) if viewer.is_member else NOTHING
        if verb in WRITE and viewer.is_focal_point:
            return own & Q(need__cycle__status=CycleStatus.OPEN, need__status__in=PRIVATE_STATUSES)
        return NOTHING


RULES = {
    "needs.cycle": MembersRead(),
    "needs.area": MembersRead(),
    "needs.need": NeedRule(),
    "needs.needsector": NeedSectorRule(),
}
