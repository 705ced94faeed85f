from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    IISG = "iisg", _("IISG body")
    PARTNER_INSTITUTION = "partner_institution", _("Partner institution")
    EU_INSTITUTION = "eu_institution", _("EU institution")
    EU_AGENCY = "eu_agency", _("EU agency")
    EU_MEMBER_STATE = "eu_member_state", _("EU member state")
    THIRD_STATE = "third_state", _("Other state")
    INTERNATIONAL = "international", _("International organisation")
    REGIONAL = "regional", _("Regional organisation")
    DEVELOPMENT_AGENCY = "development_agency", _("Development agency")
    COMPANY = "company", _("Company")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    OTHER = "other", _("Other")


class Body(models.TextChoices):
    BOARD = "board", _("Board")
    SUPPORT_GROUP = "support_group", _("Support Group")
    SECRETARIAT = "secretariat", _("Secretariat")
