"""A product's status moves by its steps (iisg.governance.services), never by its form: proposed to
the Board, adopted by a decision the public page then cites, taken back in process with a reason."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import admin_url, form_data, login
from iisg.governance import services
from iisg.governance.choices import DecisionKind, ProductStatus
from iisg.governance.models import Product
from iisg.needs.errors import CommentRequired, InvalidTransition, NotAllowed

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:governance_product_changelist")


def test_the_change_form_shows_the_status_and_cannot_adopt_a_product(client):
    login(client, Role.SECRETARIAT)
    product = f.ProductFactory()
    url = admin_url(Product, "change", product.pk)
    page = client.get(url)
    assert "status" not in page.context["adminform"].form.fields
    assert "adopted_by" not in page.context["adminform"].form.fields
    data = {**form_data(page), "status": ProductStatus.ADOPTED, "title": "Methodology of the needs mapping"}

    assert client.post(url, data).status_code == 302
    product.refresh_from_db()
    assert (product.title, product.status) == ("Methodology of the needs mapping", ProductStatus.IN_PROCESS)


def test_the_secretariat_proposes_then_records_the_adoption_by_a_decision(client):
    user = login(client, Role.SECRETARIAT)
    product = f.ProductFactory()
    decision = f.DecisionFactory(kind=DecisionKind.ADOPT_PRODUCT)

    client.post(CHANGELIST, {"action": "propose_selected", ACTION_CHECKBOX_NAME: [product.pk]})
    product.refresh_from_db()
    assert product.status == ProductStatus.PROPOSED

    asked = client.post(CHANGELIST, {"action": "adopt_selected", ACTION_CHECKBOX_NAME: [product.pk]})
    assert asked.status_code == 200
    assert "decision" in asked.context["form"].fields
    done = client.post(
        CHANGELIST,
        {"action": "adopt_selected", ACTION_CHECKBOX_NAME: [product.pk], "post": "yes", "decision": decision.pk},
    )
    assert done.status_code == 302
    product.refresh_from_db()
    assert (product.status, product.adopted_by) == (ProductStatus.ADOPTED, decision)
    assert product.history.first().history_user == user


def test_a_work_plan_is_adopted_by_the_approval_of_a_work_plan_and_an_old_adoption_says_why_it_has_none():
    from iisg.governance.choices import ProductKind

    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    plan = f.ProductFactory(kind=ProductKind.WORK_PLAN)
    approval = f.DecisionFactory(kind=DecisionKind.APPROVE_WORK_PLAN)
    assert services.adopt_product(user=secretariat, product=plan, decision=approval).adopted_by == approval
    with pytest.raises(InvalidTransition):
        services.adopt_product(user=secretariat, product=f.ProductFactory(), decision=approval)
    with pytest.raises(CommentRequired):
        services.adopt_product(user=secretariat, product=f.ProductFactory(), decision=None)
    older = services.adopt_product(
        user=secretariat, product=f.ProductFactory(), decision=None, comment="Adopted in 2019; no decision on record."
    )
    assert (older.status, older.adopted_by) == (ProductStatus.ADOPTED, None)


def test_a_decision_that_adopted_no_product_cannot_adopt_one():
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    product = f.ProductFactory()
    with pytest.raises(InvalidTransition):
        services.adopt_product(
            user=secretariat, product=product, decision=f.DecisionFactory(kind=DecisionKind.ADMIT_MEMBER)
        )
    product.refresh_from_db()
    assert product.status == ProductStatus.IN_PROCESS


def test_taking_an_adopted_product_back_says_why_and_leaves_the_public_pages():
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])
    product = services.adopt_product(user=secretariat, product=f.ProductFactory(), decision=f.DecisionFactory())
    with pytest.raises(CommentRequired):
        services.reopen_product(user=secretariat, product=product, comment="  ")
    reopened = services.reopen_product(user=secretariat, product=product, comment="The Board asked for a revision")
    assert (reopened.status, reopened.adopted_by) == (ProductStatus.IN_PROCESS, None)
    assert reopened.history.first().history_change_reason == "The Board asked for a revision"


def test_only_the_secretariat_moves_a_product():
    member = f.UserFactory(roles=[Role.MEMBER])
    with pytest.raises(NotAllowed):
        services.propose_product(user=member, product=f.ProductFactory())
