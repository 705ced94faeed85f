"""Governance: meetings are numbered once, only adopted products name their decision."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from iisg.core.tests import factories as f
from iisg.core.tests.assertions import error_messages
from iisg.governance.choices import MeetingBody, ProductStatus
from iisg.governance.models import Meeting, ProductVersion

pytestmark = pytest.mark.django_db


def test_a_board_meeting_number_is_used_once():
    f.MeetingFactory(number=6)
    twin = Meeting(event=f.EventFactory(), body=MeetingBody.BOARD, number=6)
    with pytest.raises(ValidationError) as error:
        twin.full_clean()
    assert "There is already a Board meeting with this number." in error_messages(error)


def test_a_support_group_meeting_has_a_pillar():
    meeting = Meeting(event=f.EventFactory(), body=MeetingBody.SUPPORT_GROUP, number=5)
    with pytest.raises(ValidationError) as error:
        meeting.full_clean()
    assert "A Support Group meeting needs a pillar; a Board meeting has none." in error_messages(error)


def test_only_an_adopted_product_names_the_decision_that_adopted_it():
    product = f.ProductFactory(status=ProductStatus.IN_PROCESS)
    product.adopted_by = f.DecisionFactory()
    with pytest.raises(ValidationError) as error:
        product.full_clean()
    assert "Only an adopted product can name the decision that adopted it." in error_messages(error)
    with pytest.raises(IntegrityError), transaction.atomic():
        product.save()
    product.status = ProductStatus.ADOPTED
    product.save()


def test_a_product_version_file_is_a_document():
    from django.core.files.uploadedfile import SimpleUploadedFile

    version = ProductVersion(product=f.ProductFactory(), version="1.0", file=SimpleUploadedFile("report.exe", b"MZ"))
    with pytest.raises(ValidationError) as error:
        version.full_clean()
    assert "file" in error.value.message_dict


def test_decisions_and_products_keep_their_history():
    decision = f.DecisionFactory(text="The Board adopted the needs mapping.")
    decision.text = "The Board adopted the needs mapping 2021–2022 for the three pillars."
    decision.save()
    assert decision.history.count() == 2
    product = f.ProductFactory()
    product.status = ProductStatus.PROPOSED
    product.save()
    assert [h.status for h in product.history.all()] == [ProductStatus.PROPOSED, ProductStatus.IN_PROCESS]
