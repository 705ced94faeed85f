from django.db import models
from django.utils.translation import gettext_lazy as _


class MeetingBody(models.TextChoices):
    BOARD = "board", _("Board")
    SUPPORT_GROUP = "support_group", _("Support Group")


class DecisionKind(models.TextChoices):
    ADOPT_CYCLE = "adopt_cycle", _("Adopted a mapping")
    ADOPT_PRODUCT = "adopt_product", _("Adopted or approved a product")
    APPROVE_WORK_PLAN = "approve_work_plan", _("Approved a work plan")
    ADMIT_MEMBER = "admit_member", _("Admitted a member")
    EXTEND_MANDATE = "extend_mandate", _("Extended a mandate")
    ENDORSE = "endorse", _("Endorsed")
    OTHER = "other", _("Other")


class ProductKind(models.TextChoices):
    METHODOLOGY = "methodology", _("Methodology")
    TEMPLATE = "template", _("Template")
    REPORT = "report", _("Report")
    WORK_PLAN = "work_plan", _("Work plan")
    STRATEGY = "strategy", _("Strategy")
    OTHER = "other", _("Other")


class ProductStatus(models.TextChoices):
    IN_PROCESS = "in_process", _("In process")
    PROPOSED = "proposed", _("Proposed")
    ADOPTED = "adopted", _("Adopted")
