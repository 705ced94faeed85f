"""Adding a need (services.create_need) and its two doors, the back office and the API: the rules,
the numbering, the checks and the history, the same through each."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse

from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import form_data, login
from iisg.needs import services
from iisg.needs.choices import CycleStatus, NeedStatus, Priority
from iisg.needs.errors import CycleClosed, NotAllowed
from iisg.needs.models import Need

pytestmark = pytest.mark.django_db

ADD = reverse("admin:needs_need_add")


def new_need(cycle, partner, pillar, reference=""):
    return Need(
        cycle=cycle,
        partner=partner,
        pillar=pillar,
        area=None,
        reference=reference,
        title="Thermal cameras",
        priority=Priority.HIGH,
    )


def nothing_written():
    return not Need.objects.exists() and not Need.history.exists()


# The service


def test_a_need_without_reference_gets_the_next_number_of_its_partner_and_pillar(
    cycle, serbia, albania, pillar, serbian_focal_point
):
    for partner, of_pillar, reference in [
        (serbia, pillar, "RS-WBBSi-001"),
        (serbia, pillar, "RS-WBBSi-004"),
        (serbia, f.PillarFactory(code="wbcti"), "RS-WBCTi-009"),
        (albania, pillar, "AL-WBBSi-007"),
    ]:
        f.NeedFactory(cycle=cycle, partner=partner, pillar=of_pillar, reference=reference)
    f.NeedFactory(
        cycle=f.CycleFactory(first_year=2023, last_year=2024, status=CycleStatus.ADOPTED),
        partner=serbia,
        pillar=pillar,
        reference="RS-WBBSi-012",
    )

    need = services.create_need(user=serbian_focal_point, need=new_need(cycle, serbia, pillar))

    assert need.reference == "RS-WBBSi-005"
    assert need.status == NeedStatus.DRAFT
    assert Need.objects.get(pk=need.pk).reference == "RS-WBBSi-005"


def test_the_first_need_of_a_partner_and_pillar_is_numbered_001(cycle, serbia, pillar, secretariat):
    need = services.create_need(user=secretariat, need=new_need(cycle, serbia, pillar))
    assert need.reference == "RS-WBBSi-001"


def test_a_given_reference_is_kept(cycle, serbia, pillar, serbian_focal_point):
    need = services.create_need(user=serbian_focal_point, need=new_need(cycle, serbia, pillar, "RS-WBBSi-101"))
    assert Need.objects.get(pk=need.pk).reference == "RS-WBBSi-101"


def test_a_reference_taken_in_the_cycle_is_refused_on_the_reference_field(cycle, serbia, pillar, serbian_focal_point):
    f.NeedFactory(cycle=cycle, partner=serbia, pillar=pillar, reference="RS-WBBSi-001")

    with pytest.raises(ValidationError) as refused:
        services.create_need(user=serbian_focal_point, need=new_need(cycle, serbia, pillar, "RS-WBBSi-001"))

    assert refused.value.message_dict == {"reference": ["This reference is already used in this cycle."]}
    assert Need.objects.count() == 1


def test_a_need_is_checked_like_any_need(cycle, serbia, pillar, secretariat):
    need = new_need(cycle, serbia, pillar)
    need.area = f.AreaFactory(cycle=cycle, pillar=f.PillarFactory(code="wbcti"), code="2.1")

    with pytest.raises(ValidationError) as refused:
        services.create_need(user=secretariat, need=need)

    assert refused.value.message_dict == {"area": ["The area belongs to another pillar."]}
    assert nothing_written()


def test_focal_point_cannot_add_a_need_of_another_partner(cycle, albania, pillar, serbian_focal_point):
    with pytest.raises(NotAllowed) as refused:
        services.create_need(user=serbian_focal_point, need=new_need(cycle, albania, pillar))

    assert str(refused.value) == "Only the partner's focal point or the Secretariat adds needs of Albania."
    assert nothing_written()


def test_focal_point_cannot_add_a_need_to_a_cycle_in_review(cycle, serbia, pillar, serbian_focal_point):
    cycle.status = CycleStatus.IN_REVIEW
    cycle.save()

    with pytest.raises(CycleClosed) as refused:
        services.create_need(user=serbian_focal_point, need=new_need(cycle, serbia, pillar))

    assert str(refused.value) == "Needs mapping 2025–2026 is in review: needs are added while it is open."
    assert nothing_written()


def test_the_secretariat_adds_a_need_to_a_cycle_in_review(cycle, serbia, pillar, secretariat):
    cycle.status = CycleStatus.IN_REVIEW
    cycle.save()
    assert services.create_need(user=secretariat, need=new_need(cycle, serbia, pillar)).pk is not None


def test_the_history_records_who_added_the_need_and_why(cycle, serbia, pillar, serbian_focal_point):
    need = services.create_need(user=serbian_focal_point, need=new_need(cycle, serbia, pillar))
    other = services.create_need(
        user=serbian_focal_point, need=new_need(cycle, serbia, pillar), comment="From the Belgrade workshop"
    )

    record = need.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        serbian_focal_point,
        "Created",
    )
    assert other.history.get().history_change_reason == "From the Belgrade workshop"


# SQLite's in-memory test database refuses a second writer at once instead of making it wait.
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_people_adding_needs_at_once_get_two_numbers(cycle, serbia, pillar, secretariat, serbian_focal_point):
    second = {}

    def add_from_another_connection():
        try:
            second["need"] = services.create_need(user=secretariat, need=new_need(cycle, serbia, pillar))
        except Exception as error:  # reported by the assertion below, not lost in the thread
            second["error"] = error
        finally:
            connection.close()

    with transaction.atomic():
        first = services.create_need(user=serbian_focal_point, need=new_need(cycle, serbia, pillar))
        other = threading.Thread(target=add_from_another_connection)
        other.start()
        other.join(timeout=0.5)
        assert other.is_alive(), "the second waits for the first to commit"
    other.join(timeout=10)

    assert "error" not in second, second.get("error")
    assert (first.reference, second["need"].reference) == ("RS-WBBSi-001", "RS-WBBSi-002")


# The back office


def test_the_add_form_offers_a_blank_reference_and_says_what_it_gets(client, cycle, serbia):
    login(client, Role.FOCAL_POINT, partner=serbia)
    reference = client.get(ADD).context["adminform"].form.fields["reference"]
    assert not reference.required
    assert "next number" in reference.help_text
    assert "AL-WBBSi-008" in reference.help_text


def test_the_change_form_shows_the_reference_and_cycle_without_letting_them_change(client, cycle, serbia):
    """They name the need (the workbooks find it by them); a need in another cycle is a new need."""
    login(client, Role.SECRETARIAT)
    need = f.NeedFactory(cycle=cycle, partner=serbia)
    page = client.get(reverse("admin:needs_need_change", args=[need.pk]))
    form = page.context["adminform"].form
    assert "reference" not in form.fields
    assert "cycle" not in form.fields
    assert need.reference in page.content.decode()


def test_focal_point_adds_a_numbered_draft_with_a_blank_reference(client, cycle, serbia, pillar):
    f.NeedFactory(cycle=cycle, partner=serbia, pillar=pillar, reference="RS-WBBSi-003")
    user = login(client, Role.FOCAL_POINT, partner=serbia)
    data = form_data(client.get(ADD))
    data.update({"pillar": str(pillar.pk), "title": "Mobile thermal cameras", "priority": Priority.HIGH})
    assert (data["reference"], data["partner"], data["cycle"]) == ("", str(serbia.pk), str(cycle.pk))

    response = client.post(ADD, data)

    assert response.status_code == 302
    need = Need.objects.get(title="Mobile thermal cameras")
    assert (need.reference, need.status, need.partner) == ("RS-WBBSi-004", NeedStatus.DRAFT, serbia)
    record = need.history.get()
    assert (record.history_user, record.history_change_reason) == (user, "Created")


def test_the_secretariat_adds_a_numbered_need_with_a_blank_reference(client, cycle, albania, serbia, pillar):
    login(client, Role.SECRETARIAT)
    data = form_data(client.get(ADD))
    data.update(
        {
            "cycle": str(cycle.pk),
            "partner": str(albania.pk),
            "pillar": str(pillar.pk),
            "title": "Document examination kits",
            "priority": Priority.MEDIUM,
        }
    )

    assert client.post(ADD, data).status_code == 302
    assert Need.objects.get().reference == "AL-WBBSi-001"


def test_a_reference_taken_is_refused_on_the_add_form(client, cycle, serbia, pillar):
    f.NeedFactory(cycle=cycle, partner=serbia, pillar=pillar, reference="RS-WBBSi-001")
    login(client, Role.FOCAL_POINT, partner=serbia)
    data = form_data(client.get(ADD))
    data.update({"reference": "RS-WBBSi-001", "pillar": str(pillar.pk), "title": "Radios", "priority": Priority.LOW})

    response = client.post(ADD, data)

    assert response.status_code == 200
    assert "This reference is already used in this cycle." in str(response.context["adminform"].form.errors)
    assert Need.objects.count() == 1
