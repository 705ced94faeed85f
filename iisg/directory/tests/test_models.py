"""The directory: the Kosovo* designation, memberships that make sense."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from iisg.core.tests import factories as f
from iisg.core.tests.assertions import error_messages
from iisg.directory.choices import Body
from iisg.directory.models import KOSOVO_FOOTNOTE, Membership, Partner

pytestmark = pytest.mark.django_db


def test_kosovo_is_shown_with_its_designation_asterisk():
    assert str(f.PartnerFactory(code="XK")) == "Kosovo*"
    assert str(f.PartnerFactory(code="AL")) == "Albania"
    assert "UNSCR 1244" in str(KOSOVO_FOOTNOTE)


def test_a_partner_code_is_an_iso_code():
    partner = Partner(code="al", name="Albania lower")
    with pytest.raises(IntegrityError), transaction.atomic():
        partner.save()


def test_a_support_group_membership_needs_a_pillar_and_the_board_has_none():
    organisation = f.OrganisationFactory()
    no_pillar = Membership(organisation=organisation, body=Body.SUPPORT_GROUP)
    with pytest.raises(ValidationError) as error:
        no_pillar.full_clean()
    assert "A Support Group membership needs a pillar; other bodies have none." in error_messages(error)
    board_with_pillar = Membership(organisation=organisation, body=Body.BOARD, pillar=f.PillarFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        board_with_pillar.save()


def test_an_organisation_is_a_member_of_a_body_once():
    membership = f.MembershipFactory()
    twin = Membership(organisation=membership.organisation, body=Body.SUPPORT_GROUP, pillar=membership.pillar)
    with pytest.raises(ValidationError) as error:
        twin.full_clean()
    assert "This organisation is already a member of this Support Group." in error_messages(error)
    Membership.objects.create(organisation=membership.organisation, body=Body.BOARD)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(organisation=membership.organisation, body=Body.BOARD)


def test_a_membership_cannot_end_before_it_starts():
    membership = f.MembershipFactory.build(
        organisation=f.OrganisationFactory(),
        pillar=f.PillarFactory(),
        since=datetime.date(2022, 6, 20),
        until=datetime.date(2021, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    assert "A membership cannot end before it starts." in error_messages(error)
