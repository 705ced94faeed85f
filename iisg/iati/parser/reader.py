"""Reading one `iati-activity` element into an `Activity`, element by element, or into an error
`Problem` when it cannot be one.

- An activity without an identifier is rejected; the pre-1.0 layout (OCHA), which has none, gets
  `<reporting-org ref>-<other-identifier>` and a warning. Blank space in an identifier is dropped
  from the key and kept in `identifier_raw`, with a warning.
- A transaction whose type does not map to an IATI code is left out with a warning, as is a
  transaction, budget or planned disbursement whose value cannot be read one way. A transaction
  without a date takes its value date, with a warning.
- Sector percentages are checked per vocabulary, recipient ones together, within
  PERCENT_TOLERANCE: a warning, never a correction.
"""

import hashlib
from collections import defaultdict
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree

from .. import codelists
from ..activity import (
    Activity,
    Budget,
    DocumentLink,
    PlannedDisbursement,
    PolicyMarker,
    Problem,
    Recipient,
    RelatedActivity,
    Transaction,
    best_text,
)
from .values import ActivityValues, child_text, first_child, first_children

PERCENT_TOLERANCE = Decimal("1")
_DATE_FIELDS = {"1": "planned_start", "2": "actual_start", "3": "planned_end", "4": "actual_end"}
# Named in warnings only; lazy, since translating costs more than reading a transaction.
_A_BUDGET = gettext_lazy("A budget")
_A_PLANNED_DISBURSEMENT = gettext_lazy("A planned disbursement")
_A_TRANSACTION = gettext_lazy("A transaction")
_RECIPIENTS = gettext_lazy("Recipient countries and regions")


def content_hash(element):
    """The SHA-256 of the activity as published: the same bytes, the same hash."""
    return hashlib.sha256(etree.tostring(element, with_tail=False)).hexdigest()


class ActivityReader(ActivityValues):
    """Turns one `iati-activity` element into an Activity (or an error Problem), collecting its
    warnings."""

    def read(self, raw_identifier):
        element = self.element
        identifier = (raw_identifier or "").strip()
        derived = None
        if raw_identifier is None and self.pre_v1:
            derived = self._pre_v1_identifier()
        self.identifier = identifier or derived or ""
        if not self.identifier:
            return Problem(
                "error",
                _("The activity has no IATI identifier; it was left out."),
                "",
                element.sourceline,
                "iati-identifier",
            )
        activity = Activity(
            identifier=self.identifier,
            identifier_raw="",
            line=element.sourceline,
            version=self.version,
            language=self.lang,
            default_currency=self.default_currency,
        )
        if derived:
            self.warn(
                _(
                    "The activity has no iati-identifier (the layout before IATI 1.0): %(identifier)s was "
                    "made of its reporting organisation's reference and its other identifier."
                )
                % {"identifier": derived},
                "iati-identifier",
            )
        elif raw_identifier != identifier or any(c.isspace() for c in identifier):
            activity.identifier_raw = raw_identifier
            self.warn(
                _("The identifier %(raw)r holds blank space; it is read as %(identifier)r.")
                % {"raw": raw_identifier, "identifier": identifier},
                "iati-identifier",
            )
        self.activity = activity
        self._attributes(activity)
        for child in element.iterchildren(tag=etree.Element):
            handler = _HANDLERS.get(child.tag)
            if handler is not None:
                handler(self, child)
        self._check_shares(activity)
        activity.content_hash = content_hash(element)
        activity.problems = self.problems
        return activity

    def _pre_v1_identifier(self):
        other = (child_text(self.element, "other-identifier") or "").strip()
        reporting = first_child(self.element, "reporting-org")
        ref = (reporting.get("ref") or "").strip() if reporting is not None else ""
        return f"{ref}-{other}" if ref and other else None

    def _attributes(self, activity):
        element = self.element
        if self.lang:
            self.check("Language", self.lang, "iati-activity/@xml:lang")
        if element.get("default-currency"):
            self.check("Currency", activity.default_currency, "iati-activity/@default-currency")
        if element.get("version") and self.version == "unknown":
            self.warn(
                _("The activity's IATI version %(version)r is not one; it is stored as unknown.")
                % {"version": element.get("version")},
                "iati-activity/@version",
            )
        stamp = element.get("last-updated-datetime")
        if stamp is not None:
            activity.last_updated = self.moment(stamp, "iati-activity/@last-updated-datetime")
        hierarchy = (element.get("hierarchy") or "").strip()
        if hierarchy:
            if hierarchy.isdigit():
                activity.hierarchy = int(hierarchy)
            else:
                self.warn(_("The hierarchy %(value)r is not a number.") % {"value": hierarchy}, "@hierarchy")
        activity.humanitarian = self.flag(element.get("humanitarian"), "iati-activity/@humanitarian")

    # Elements ----------------------------------------------------------------------------------

    def title(self, element):
        self.activity.titles.extend(self.texts(element))

    def description(self, element):
        kind = self.code(element.get("type"), "DescriptionType", "description/@type", element)
        self.activity.descriptions.extend((kind, narrative) for narrative in self.texts(element))

    def reporting_org(self, element):
        self.activity.reporting_org = self.organisation(element, "reporting-org")
        self.activity.secondary_reporter = bool(
            self.flag(element.get("secondary-reporter"), "reporting-org/@secondary-reporter")
        )

    def participating_org(self, element):
        organisation = self.organisation(element, "participating-org", "activity-id")
        organisation.role = self.code(element.get("role"), "OrganisationRole", "participating-org/@role", element)
        self.activity.participating_orgs.append(organisation)

    def activity_status(self, element):
        self.activity.status = self.element_code(element, "ActivityStatus", "activity-status/@code")

    def activity_date(self, element):
        kind = self.code(element.get("type"), "ActivityDateType", "activity-date/@type", element)
        attribute = _DATE_FIELDS.get(kind)
        if attribute is None:
            if not kind:
                self.warn(_("An activity date without a type was left out."), "activity-date/@type", element)
            return
        day = self.date_of(element, "activity-date/@iso-date")
        if day is not None and getattr(self.activity, attribute) is None:
            setattr(self.activity, attribute, day)

    def recipient_country(self, element):
        code = self.country(element, "recipient-country")
        if code:
            share = self.percentage(element, "recipient-country/@percentage")
            self.activity.recipients.append(Recipient(kind="country", code=code, percentage=share))

    def recipient_region(self, element):
        code, vocabulary = self.region(element, "recipient-region")
        if code:
            share = self.percentage(element, "recipient-region/@percentage")
            self.activity.recipients.append(Recipient("region", code, vocabulary, share))

    def sector_element(self, element):
        sector = self.sector(element, "sector")
        if sector is not None:
            self.activity.sectors.append(sector)

    def budget(self, element):
        parts = first_children(element)
        start = self.date_of(parts.get("period-start"), "budget/period-start")
        end = self.date_of(parts.get("period-end"), "budget/period-end")
        if start is None or end is None:
            self.warn(_("A budget without its period start and end was left out."), "budget", element)
            return
        value = self.value(parts.get("value"), element, _A_BUDGET, "budget/value")
        if value is None:
            return
        self.activity.budgets.append(
            Budget(
                period_start=start,
                period_end=end,
                value=value,
                type=self.code(element.get("type"), "BudgetType", "budget/@type", element, "1"),
                status=self.code(element.get("status"), "BudgetStatus", "budget/@status", element, "1"),
            )
        )

    def planned_disbursement(self, element):
        parts = first_children(element)
        start = self.date_of(parts.get("period-start"), "planned-disbursement/period-start")
        if start is None:
            self.warn(_("A planned disbursement without a period start was left out."), "planned-disbursement", element)
            return
        value = self.value(parts.get("value"), element, _A_PLANNED_DISBURSEMENT, "planned-disbursement/value")
        if value is None:
            return
        provider, receiver = parts.get("provider-org"), parts.get("receiver-org")
        self.activity.planned_disbursements.append(
            PlannedDisbursement(
                period_start=start,
                value=value,
                period_end=self.date_of(parts.get("period-end"), "planned-disbursement/period-end"),
                type=self.code(element.get("type"), "BudgetType", "planned-disbursement/@type", element),
                provider=self.organisation(provider, "planned-disbursement/provider-org", "provider-activity-id")
                if provider is not None
                else None,
                receiver=self.organisation(receiver, "planned-disbursement/receiver-org", "receiver-activity-id")
                if receiver is not None
                else None,
            )
        )

    def transaction(self, element):
        parts, sectors, milestones = {}, [], []
        for child in element.iterchildren(tag=etree.Element):
            tag = child.tag
            if tag == "sector":
                sectors.append(child)
            elif tag == "milestone-date":
                milestones.append(child)
            elif tag not in parts:
                parts[tag] = child
        kind = self._transaction_type(element, parts)
        if kind is None:
            return
        value = self.value(parts.get("value"), element, _A_TRANSACTION, "transaction/value")
        if value is None:
            return
        day = self._transaction_date(element, parts.get("transaction-date"), milestones, kind, value)
        if day is None:
            return
        item = Transaction(type=kind, date=day, value=value, reference=(element.get("ref") or "").strip())
        if "description" in parts:
            item.description = best_text(self.texts(parts["description"]), self.lang)
        if "provider-org" in parts:
            item.provider = self.organisation(parts["provider-org"], "transaction/provider-org", "provider-activity-id")
        if "receiver-org" in parts:
            item.receiver = self.organisation(parts["receiver-org"], "transaction/receiver-org", "receiver-activity-id")
        for child in sectors:
            sector = self.sector(child, "transaction/sector")
            # One sector per transaction is kept: the first DAC 5-digit one, else the first.
            if sector is not None and (
                item.sector is None or (sector.vocabulary == "1" and item.sector.vocabulary != "1")
            ):
                item.sector = sector
        if "recipient-country" in parts:
            item.recipient_country = self.country(parts["recipient-country"], "transaction/recipient-country")
        if "recipient-region" in parts:
            item.recipient_region = self.region(parts["recipient-region"], "transaction/recipient-region")[0]
        item.humanitarian = self.flag(element.get("humanitarian"), "transaction/@humanitarian")
        self.activity.transactions.append(item)

    def _transaction_type(self, element, parts):
        """The 2.0x type of the transaction, or None (with a warning) when there is none to map."""
        typed = parts.get("transaction-type")
        if typed is not None:
            raw = (typed.get("code") or (typed.text if self.v1 else "") or "").strip()
        else:
            raw = (element.get("type") or "").strip() if self.pre_v1 else ""
        if self.v1:
            kind = self.words["TransactionType"].get(raw.lower())
            if kind is None and self.pre_v1 and (element.get("flow") or "").strip().lower() == "incoming":
                status = parts.get("status")
                kind = codelists.PRE_V1_INCOMING.get(
                    ((status.text if status is not None else raw) or "").strip().lower()
                )
        else:
            kind = raw if raw in codelists.file_codes("TransactionType") else None
        if kind is None:
            self.warn(
                _("A transaction of type %(type)r, which has no IATI code, was left out.") % {"type": raw}
                if raw
                else _("A transaction without a type was left out."),
                "transaction/transaction-type",
                element,
            )
        return kind

    def _transaction_date(self, element, dated, milestones, kind, value):
        if dated is None and milestones and self.pre_v1:
            wanted = "disbursement" if kind in ("1", "3", "4") else "commitment"
            dated = next((m for m in milestones if m.get("type") == wanted), milestones[0])
        day = self.date_of(dated, "transaction/transaction-date")
        if day is not None:
            return day
        if value.value_date is not None:
            self.warn(
                _("A transaction without a usable date takes its value date, %(date)s.")
                % {"date": value.value_date.isoformat()},
                "transaction/transaction-date",
                element,
            )
            return value.value_date
        self.warn(_("A transaction without a date was left out."), "transaction/transaction-date", element)
        return None

    def document_link(self, element):
        url = (element.get("url") or "").strip()
        if not url:
            self.warn(_("A document link without an address was left out."), "document-link/@url", element)
            return
        link = DocumentLink(url=url, format=(element.get("format") or "").strip())
        for child in element.iterchildren(tag=etree.Element):
            tag = child.tag
            if tag == "title":
                link.titles.extend(self.texts(child))
            elif tag == "category":
                code = self.element_code(child, "DocumentCategory", "document-link/category/@code")
                if code:
                    link.categories.append(code)
            elif tag == "language":
                code = (child.get("code") or (child.text if self.v1 else "") or "").strip()
                if code:
                    self.check("Language", code, "document-link/language/@code", child)
                    link.languages.append(code)
            elif tag == "document-date":
                link.document_date = self.date_of(child, "document-link/document-date")
        self.activity.document_links.append(link)

    def policy_marker(self, element):
        code = (element.get("code") or "").strip()
        if not code:
            self.warn(_("A policy marker without a code was left out."), "policy-marker/@code", element)
            return
        vocabulary = self.code(
            element.get("vocabulary"), "PolicyMarkerVocabulary", "policy-marker/@vocabulary", element, "1"
        )
        if vocabulary == "1":
            self.check("PolicyMarker", code, "policy-marker/@code", element)
        significance = self.code(
            element.get("significance"), "PolicySignificance", "policy-marker/@significance", element
        )
        self.activity.policy_markers.append(PolicyMarker(code, vocabulary, significance))

    def related_activity(self, element):
        ref = (element.get("ref") or "").strip()
        if not ref:
            self.warn(_("A related activity without a reference was left out."), "related-activity/@ref", element)
            return
        kind = self.code(element.get("type"), "RelatedActivityType", "related-activity/@type", element)
        self.activity.related_activities.append(RelatedActivity(kind, ref))

    # Checks across elements --------------------------------------------------------------------

    def _check_shares(self, activity):
        by_vocabulary = defaultdict(list)
        for sector in activity.sectors:
            by_vocabulary[sector.vocabulary].append(sector.percentage)
        for vocabulary, shares in by_vocabulary.items():
            self._check_sum(shares, "sector", vocabulary)
        self._check_sum([r.percentage for r in activity.recipients], "recipient-country")
        if activity.sectors and any(t.sector for t in activity.transactions):
            self.warn(_("Sectors are given on the activity and on its transactions; both are kept."), "sector")
        if activity.recipients and any(t.recipient_country or t.recipient_region for t in activity.transactions):
            self.warn(
                _("Recipients are given on the activity and on its transactions; both are kept."), "recipient-country"
            )

    def _check_sum(self, shares, field_name, vocabulary=None):
        if not shares or (len(shares) == 1 and shares[0] is None):
            return
        total = None if any(share is None for share in shares) else sum(shares)
        if total is not None and abs(total - 100) <= PERCENT_TOLERANCE:
            return
        what = (
            _RECIPIENTS
            if vocabulary is None
            else _("Sectors of vocabulary %(vocabulary)s") % {"vocabulary": vocabulary}
        )
        if total is None:
            self.warn(_("%(what)s: some have a percentage and some do not.") % {"what": what}, field_name)
        else:
            self.warn(
                _("%(what)s: the percentages add up to %(total)s, not 100; they are kept as published.")
                % {"what": what, "total": total},
                field_name,
            )


_HANDLERS = {
    "title": ActivityReader.title,
    "description": ActivityReader.description,
    "reporting-org": ActivityReader.reporting_org,
    "participating-org": ActivityReader.participating_org,
    "activity-status": ActivityReader.activity_status,
    "activity-date": ActivityReader.activity_date,
    "recipient-country": ActivityReader.recipient_country,
    "recipient-region": ActivityReader.recipient_region,
    "sector": ActivityReader.sector_element,
    "budget": ActivityReader.budget,
    "budget-planned": ActivityReader.budget,  # before 1.0
    "planned-disbursement": ActivityReader.planned_disbursement,
    "transaction": ActivityReader.transaction,
    "document-link": ActivityReader.document_link,
    "policy-marker": ActivityReader.policy_marker,
    "related-activity": ActivityReader.related_activity,
}
