"""factory_boy factories for the whole domain, shared by every app's tests."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User

from iisg.actions import models as actions
from iisg.actions.choices import OrganisationRole
from iisg.directory import models as directory
from iisg.directory.choices import Body, OrganisationKind
from iisg.events import models as events
from iisg.events.choices import EventKind
from iisg.governance import models as governance
from iisg.governance.choices import DecisionKind, MeetingBody, ProductKind
from iisg.needs import models as needs
from iisg.needs.choices import CycleKind, CycleStatus, NeedStatus, Priority

# The password of every login the factories make.
PASSWORD = "correct horse battery staple"


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = directory.Partner
        django_get_or_create = ("code",)

    code = factory.Iterator(["AL", "BA", "XK", "ME", "MK", "RS"])
    name = factory.LazyAttribute(
        lambda o: {
            "AL": "Albania",
            "BA": "Bosnia and Herzegovina",
            "XK": "Kosovo",
            "ME": "Montenegro",
            "MK": "North Macedonia",
            "RS": "Serbia",
        }[o.code]
    )
    has_designation_footnote = factory.LazyAttribute(lambda o: o.code == "XK")


class PillarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = directory.Pillar
        django_get_or_create = ("code",)

    code = factory.Iterator(["wbcti", "wbcsci", "wbbsi"])
    acronym = factory.LazyAttribute(lambda o: {"wbcti": "WBCTi", "wbcsci": "WBCSCi", "wbbsi": "WBBSi"}[o.code])
    name = factory.LazyAttribute(
        lambda o: {
            "wbcti": "Western Balkan Counter-Terrorism initiative",
            "wbcsci": "Western Balkan Countering Serious Crime initiative",
            "wbbsi": "Western Balkan Border Security initiative",
        }[o.code]
    )


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = directory.Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    acronym = factory.Sequence(lambda n: f"ORG{n}")
    kind = OrganisationKind.INTERNATIONAL


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = directory.Membership

    organisation = factory.SubFactory(OrganisationFactory)
    body = Body.SUPPORT_GROUP
    pillar = factory.SubFactory(PillarFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or []:
            self.groups.add(Group.objects.get(name=name))
        if create:
            self.save()


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = directory.Person

    name = factory.Sequence(lambda n: f"Person {n}")
    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"person{n}@example.org")


def user_with(role, *, partner=None, organisation=None):
    """A login with one role, and the person it is, of `partner` or `organisation`, when given."""
    user = UserFactory(roles=[role])
    if partner is not None or organisation is not None:
        PersonFactory(user=user, partner=partner, organisation=organisation)
    return user


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = needs.Cycle
        django_get_or_create = ("kind", "first_year", "last_year")

    kind = CycleKind.NEEDS
    first_year = 2021
    last_year = 2022
    status = CycleStatus.OPEN


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = needs.Area

    cycle = factory.SubFactory(CycleFactory)
    pillar = factory.SubFactory(PillarFactory)
    code = factory.Sequence(lambda n: f"{n % 9 + 1}.{n}")
    name = factory.Sequence(lambda n: f"Thematic area {n}")


class NeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = needs.Need

    cycle = factory.SubFactory(CycleFactory)
    reference = factory.Sequence(lambda n: f"N-{n:04d}")
    partner = factory.SubFactory(PartnerFactory)
    pillar = factory.SubFactory(PillarFactory)
    area = factory.SubFactory(
        AreaFactory, cycle=factory.SelfAttribute("..cycle"), pillar=factory.SelfAttribute("..pillar")
    )
    title = factory.Sequence(lambda n: f"Need {n}")
    description = "Equipment and training for border police units."
    priority = Priority.HIGH
    status = NeedStatus.SUBMITTED


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = actions.Action

    title = factory.Sequence(lambda n: f"Action {n}")
    planned_start = datetime.date(2021, 1, 1)
    planned_end = datetime.date(2023, 12, 31)


class ActionOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = actions.ActionOrganisation

    action = factory.SubFactory(ActionFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = OrganisationRole.FUNDING


class ActionSectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = actions.ActionSector

    action = factory.SubFactory(ActionFactory)
    code = "15210"
    percentage = Decimal(100)


class BudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = actions.Budget

    action = factory.SubFactory(ActionFactory)
    period_start = datetime.date(2021, 1, 1)
    period_end = datetime.date(2021, 12, 31)
    value = Decimal("250000.00")
    currency = "EUR"
    value_date = datetime.date(2021, 1, 1)


class TransactionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = actions.Transaction

    action = factory.SubFactory(ActionFactory)
    transaction_type = 3
    date = datetime.date(2021, 6, 30)
    value = Decimal("100000.00")
    currency = "EUR"
    value_date = datetime.date(2021, 6, 30)


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = actions.Response

    action = factory.SubFactory(ActionFactory)
    need = factory.SubFactory(NeedFactory)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = events.Event

    title = factory.Sequence(lambda n: f"Event {n}")
    slug = factory.Sequence(lambda n: f"event-{n}")
    start_date = datetime.date(2022, 6, 20)
    city = "Sarajevo"
    country = "Bosnia and Herzegovina"
    kind = EventKind.WORKSHOP


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = governance.Meeting

    event = factory.SubFactory(EventFactory, kind=EventKind.BOARD_MEETING)
    body = MeetingBody.BOARD
    number = factory.Sequence(lambda n: n + 1)


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = governance.Decision

    meeting = factory.SubFactory(MeetingFactory)
    number = factory.Sequence(lambda n: n + 1)
    kind = DecisionKind.ADOPT_PRODUCT
    text = "The Board adopted the methodology."


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = governance.Product

    title = factory.Sequence(lambda n: f"Methodology {n}")
    slug = factory.Sequence(lambda n: f"methodology-{n}")
    kind = ProductKind.METHODOLOGY


class ProductVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = governance.ProductVersion

    product = factory.SubFactory(ProductFactory)
    version = factory.Sequence(lambda n: f"1.{n}")
