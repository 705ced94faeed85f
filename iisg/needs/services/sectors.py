"""The DAC sectors of a need: accepted by a person from the suggestions on the need's page
(iisg.analysis.sectors), removed the same way. They classify the need without changing what it asks
for, so the Secretariat may classify any need, adopted ones included; the partner's focal point
while it may change the need (iisg.needs.rules.NeedSectorRule)."""

from django.db import transaction
from django.utils.translation import gettext as _

from iisg.core.choices import Verb
from iisg.core.history import record, record_deletion
from iisg.core.permissions import can
from iisg.core.text import clean_comment
from iisg.iati.codelists import DAC_5_DIGIT, SECTOR_CODELIST, is_dac_code
from iisg.iati.models import CodelistEntry

from ..errors import InvalidTransition, NotAllowed
from ..models import NeedSector
from .changing import locked_need


def refuse_sector(*, user, need, code):
    """Raise NotAllowed unless `user` may change the sectors of `need`, InvalidTransition unless
    `code` is a DAC 5-digit code of the loaded codelist that is not withdrawn."""
    if not can(user, Verb.ADD, NeedSector(need=need, code=code)):
        raise NotAllowed(_("You may not change the sectors of %(reference)s.") % {"reference": need.reference})
    live = CodelistEntry.objects.filter(codelist=SECTOR_CODELIST, code=code, withdrawn=False)
    if not (is_dac_code(code) and live.exists()):
        raise InvalidTransition(_("%(code)s is not a DAC 5-digit sector code in use.") % {"code": code})


@transaction.atomic
def accept_sector(*, user, need, code, comment=""):
    """Give `need` the DAC sector `code` and return the NeedSector, recorded with the user and the
    comment. Accepting a sector the need already has changes nothing.
    Raises NotAllowed, InvalidTransition."""
    comment = clean_comment(comment)
    stored = locked_need(need)
    code = (code or "").strip()
    refuse_sector(user=user, need=stored, code=code)
    existing = stored.sectors.filter(vocabulary=DAC_5_DIGIT, code=code).first()
    if existing is not None:
        return existing
    sector = NeedSector(need=stored, vocabulary=DAC_5_DIGIT, code=code)
    sector.full_clean()
    return record(sector, user=user, reason=comment or _("Sector accepted"))


@transaction.atomic
def remove_sector(*, user, need, code, comment=""):
    """Take the DAC sector `code` off `need`, recorded with the user and the comment. Removing a
    sector the need does not have changes nothing. Raises NotAllowed."""
    comment = clean_comment(comment)
    stored = locked_need(need)
    sector = stored.sectors.filter(vocabulary=DAC_5_DIGIT, code=(code or "").strip()).first()
    if sector is None:
        return
    if not can(user, Verb.DELETE, sector):
        raise NotAllowed(_("You may not change the sectors of %(reference)s.") % {"reference": stored.reference})
    record_deletion(sector, user=user, reason=comment or _("Sector removed"))
