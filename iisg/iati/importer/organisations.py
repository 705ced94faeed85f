"""Organisations of an IATI file matched to the platform's: by IATI reference, then by normalised
name; created once, never twice."""

import re
import unicodedata

from iisg.directory.choices import OrganisationKind
from iisg.directory.models import Organisation

from ..activity import best_text
from .columns import clip

EU_MEMBER_STATES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()  # noqa: SIM905
)


class Organisations:
    """Organisations by IATI reference, then by normalised name; created once, never twice."""

    def __init__(self):
        self.by_ref = {}
        self.by_name = {}
        self.ref_of = {}
        for pk, ref, name in Organisation.objects.values_list("pk", "iati_identifier", "name"):
            if ref:
                self.by_ref[ref.strip().upper()] = pk
                self.ref_of[pk] = ref.strip()
            self.by_name[_normalised(name)] = pk

    def id_of(self, org):
        """The id of the platform's organisation for `org` (an activity.Organisation), created
        when new; None when `org` is None or has neither a reference nor a name."""
        if org is None:
            return None
        ref = org.ref.strip()
        if ref:
            # Most organisations of a file are met again and again: by reference, before their name is read.
            known = self.by_ref.get(ref.upper())
            if known is not None:
                return known
        name = clip(best_text(org.names).strip(), 255)
        key = _normalised(name) if name else ""
        if key and key in self.by_name:
            pk = self.by_name[key]
            held = self.ref_of.get(pk)
            if not (ref and held and held.upper() != ref.upper()):
                # Give a known organisation the reference it was missing, so the next match is by ref.
                if ref and not held and len(ref) <= 100:
                    Organisation.objects.filter(pk=pk).update(iati_identifier=ref)
                    self.by_ref[ref.upper()], self.ref_of[pk] = pk, ref
                return pk
            # The same name under another reference is another organisation (two ministries of the
            # interior): it keeps its reference in its name, which must be unique.
            name = clip(f"{name} ({ref})", 255)
            key = _normalised(name)
            if key in self.by_name:
                return self.by_name[key]
        if not ref and not name:
            return None
        if not name:
            name = ref
            key = _normalised(name)
            if key in self.by_name:
                return self.by_name[key]
        organisation = Organisation.objects.create(
            name=name,
            kind=_kind(org.type, ref),
            country=_country_of(ref),
            iati_identifier=ref if ref and len(ref) <= 100 else None,
        )
        if organisation.iati_identifier:
            self.by_ref[ref.upper()] = organisation.pk
            self.ref_of[organisation.pk] = ref
        self.by_name[key] = organisation.pk
        return organisation.pk


def _normalised(name):
    """A name for matching: accents, case, punctuation and repeated spaces do not count."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _country_of(ref):
    prefix = ref.split("-", 1)[0].upper() if "-" in ref else ""
    return prefix if len(prefix) == 2 and prefix not in ("XM", "XI") else ""


def _kind(org_type, ref):
    """The platform's kind of organisation from the IATI OrganisationType and reference."""
    ref = ref.upper()
    if ref.startswith(("XI-IATI-EC", "XM-DAC-918")):
        return OrganisationKind.EU_INSTITUTION
    if org_type == "10":
        return (
            OrganisationKind.EU_MEMBER_STATE if _country_of(ref) in EU_MEMBER_STATES else OrganisationKind.THIRD_STATE
        )
    if org_type in ("40",):
        return OrganisationKind.INTERNATIONAL
    if org_type in ("21", "22", "23", "24", "60"):
        return OrganisationKind.CIVIL_SOCIETY
    if org_type in ("70", "71", "72", "73"):
        return OrganisationKind.COMPANY
    if org_type == "11":
        return OrganisationKind.DEVELOPMENT_AGENCY
    return OrganisationKind.OTHER
