from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from iisg.core.models import CleanedText, TimeStampedModel, not_before

from .choices import Body, OrganisationKind

KOSOVO_FOOTNOTE = _(
    "* This designation is without prejudice to positions on status, and is in line with "
    "UNSCR 1244 and the ICJ Opinion on the Kosovo declaration of independence."
)


class Partner(CleanedText):
    """A Western Balkan partner. "Regional" is a scope, not a partner."""

    code = models.CharField(_("code"), max_length=2, unique=True, help_text=_("ISO/IATI country code"))
    name = models.CharField(_("name"), max_length=100, unique=True)
    has_designation_footnote = models.BooleanField(
        _("carries the designation footnote"),
        default=False,
        help_text=_("Shown with an asterisk and the footnote wherever the name appears (Kosovo*)."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z]{2}$"), name="partner_code_iso"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return f"{self.name}*" if self.has_designation_footnote else self.name


class Pillar(CleanedText):
    """One of the three IISG pillars: WBCTi, WBCSCi, WBBSi."""

    code = models.SlugField(_("code"), max_length=10, unique=True)
    acronym = models.CharField(_("acronym"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=200, unique=True)
    objective = models.TextField(_("objective"), blank=True)
    tasks = models.TextField(_("tasks"), blank=True, help_text=_("One task a line."))
    decision_making = models.TextField(_("decision-making process"), blank=True, help_text=_("One step a line."))
    colour = models.CharField(_("colour"), max_length=7, default="#003399")
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("pillar")
        verbose_name_plural = _("pillars")

    def __str__(self):
        return self.acronym


class Organisation(TimeStampedModel):
    """Ministries, EU bodies, member states, international organisations, donors, implementers."""

    name = models.CharField(_("name"), max_length=255, unique=True)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
        help_text=_("For institutions of a Western Balkan partner."),
    )
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166 code, if any."))
    iati_identifier = models.CharField(
        _("IATI organisation identifier"), max_length=100, unique=True, null=True, blank=True
    )
    website = models.URLField(_("website"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        if self.acronym and self.acronym != self.name:
            return f"{self.acronym} – {self.name}"
        return self.name

    @property
    def short_name(self):
        return self.acronym or self.name


class Membership(TimeStampedModel):
    """An organisation's seat in the Board, a pillar's Support Group or the Secretariat."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="memberships"
    )
    body = models.CharField(_("body"), max_length=20, choices=Body.choices)
    pillar = models.ForeignKey(
        Pillar,
        verbose_name=_("pillar"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        help_text=_("Required for a Support Group, empty for the Board and the Secretariat."),
    )
    role = models.CharField(_("role"), max_length=200, blank=True, help_text=_("e.g. chair, observer"))
    note = models.CharField(_("note"), max_length=255, blank=True)
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    admitted_by = models.ForeignKey(
        "governance.Decision",
        verbose_name=_("admitted by decision"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="admitted_memberships",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["body", "pillar", "order", "organisation__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=Q(body=Body.SUPPORT_GROUP, pillar__isnull=False)
                | (~Q(body=Body.SUPPORT_GROUP) & Q(pillar__isnull=True)),
                name="membership_pillar_only_for_support_group",
                violation_error_message=_("A Support Group membership needs a pillar; other bodies have none."),
            ),
            not_before(
                "until",
                "since",
                name="membership_until_not_before_since",
                message=_("A membership cannot end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "body", "pillar"],
                condition=Q(pillar__isnull=False),
                name="membership_unique_in_support_group",
                violation_error_message=_("This organisation is already a member of this Support Group."),
            ),
            models.UniqueConstraint(
                fields=["organisation", "body"],
                condition=Q(pillar__isnull=True),
                name="membership_unique_in_body",
                violation_error_message=_("This organisation is already a member of this body."),
            ),
        ]

    def __str__(self):
        where = f"{self.get_body_display()} {self.pillar}" if self.pillar_id else self.get_body_display()
        return f"{self.organisation.short_name} in the {where}"


class Person(TimeStampedModel):
    """A contact person; private, never shown on public pages.

    A person with a login carries the scope of their role: a partner focal point is tied to one
    partner, a donor or implementer user to one organisation (see iisg.core.permissions).
    """

    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
    )
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("focal point for partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="focal_points",
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self):
        if self.organisation_id:
            return f"{self.name} ({self.organisation.short_name})"
        return self.name
