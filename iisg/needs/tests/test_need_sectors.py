"""A need carries DAC sectors like an action: suggested on its page from its text, accepted or
removed there by the Secretariat (any need) or the partner's focal point (while it may change the
need), each change recorded with its author; a bad code or a forbidden change changes nothing."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from iisg.analysis.tests.test_sectors import codelist  # noqa: F401 (a fixture)
from iisg.core.choices import Role
from iisg.core.tests import factories as f
from iisg.core.tests.test_admin import login
from iisg.needs import services
from iisg.needs.choices import NeedStatus
from iisg.needs.errors import InvalidTransition, NotAllowed
from iisg.needs.models import NeedSector

pytestmark = pytest.mark.django_db

WATER_NEED = {"title": "Wells and latrines", "description": "Drinking water for the border crossing points."}


def change_url(need):
    return reverse("admin:needs_need_change", args=[need.pk])


def sectors_url(need):
    return reverse("admin:needs_need_sectors", args=[need.pk])


def codes(need):
    return list(need.sectors.values_list("code", flat=True))


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


# The services


def test_the_secretariat_accepts_a_sector_recorded_with_author_and_reason(codelist, secretariat, cycle):  # noqa: F811
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.ADOPTED)

    sector = services.accept_sector(user=secretariat, need=need, code="14030", comment="From the suggestions")

    assert codes(need) == ["14030"]
    (created,) = sector.history.all()
    assert (created.history_type, created.history_user, created.history_change_reason) == (
        "+",
        secretariat,
        "From the suggestions",
    )


def test_accepting_twice_keeps_one_and_removing_records_the_removal(codelist, secretariat, cycle):  # noqa: F811
    need = f.NeedFactory(cycle=cycle)
    first = services.accept_sector(user=secretariat, need=need, code="14030")
    again = services.accept_sector(user=secretariat, need=need, code="14030")
    assert first.pk == again.pk
    assert codes(need) == ["14030"]

    services.remove_sector(user=secretariat, need=need, code="14030", comment="Not about water")
    services.remove_sector(user=secretariat, need=need, code="14030")  # gone already: nothing to do

    assert codes(need) == []
    removed = NeedSector.history.filter(code="14030").latest("history_date")
    assert (removed.history_type, removed.history_change_reason) == ("-", "Not about water")


@pytest.mark.parametrize("code", ["23010", "99999", "152", "", "1403O"])
def test_a_withdrawn_unknown_or_malformed_code_is_refused_and_changes_nothing(
    codelist,  # noqa: F811
    secretariat,
    cycle,
    code,
):
    need = f.NeedFactory(cycle=cycle)

    with pytest.raises(InvalidTransition, match="not a DAC 5-digit sector code"):
        services.accept_sector(user=secretariat, need=need, code=code)

    assert codes(need) == []


def test_a_focal_point_classifies_its_draft_but_not_once_adopted_nor_another_partners(
    codelist,  # noqa: F811
    serbian_focal_point,
    serbia,
    albania,
    cycle,
):
    draft = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.DRAFT)
    adopted = f.NeedFactory(cycle=cycle, partner=serbia, status=NeedStatus.ADOPTED)
    others = f.NeedFactory(cycle=cycle, partner=albania, status=NeedStatus.DRAFT)

    services.accept_sector(user=serbian_focal_point, need=draft, code="15210")
    for need in (adopted, others):
        with pytest.raises(NotAllowed):
            services.accept_sector(user=serbian_focal_point, need=need, code="15210")

    assert codes(draft) == ["15210"]
    assert codes(adopted) == []
    assert codes(others) == []


def test_a_member_or_donor_may_not_remove_a_sector(codelist, secretariat, cycle):  # noqa: F811
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.VALIDATED)
    services.accept_sector(user=secretariat, need=need, code="15210")

    for role in (Role.MEMBER, Role.DONOR):
        with pytest.raises(NotAllowed):
            services.remove_sector(user=f.user_with(role), need=need, code="15210")

    assert codes(need) == ["15210"]


# The need's page


def test_the_page_suggests_sectors_from_the_need_text_with_words_and_accepts_one(client, codelist, cycle):  # noqa: F811
    login(client, Role.SECRETARIAT)
    need = f.NeedFactory(cycle=cycle, **WATER_NEED)

    page = client.get(change_url(need))

    suggested = [suggestion.code for suggestion, _name in page.context["sector_suggestions"]]
    assert suggested[0] == "14030"
    content = page.content.decode()
    assert "Basic drinking water supply and basic sanitation" in content
    assert 'name="accept" value="14030"' in content
    assert "drinking water" in content  # the words that led there

    answer = client.post(sectors_url(need), {"accept": "14030"})

    assert answer.status_code == 302
    assert answer["Location"].endswith("#need-sectors")
    assert codes(need) == ["14030"]
    assert messages_of(answer) == ["Sector 14030 accepted."]
    again = client.get(change_url(need))
    assert "14030" not in [s.code for s, _name in again.context["sector_suggestions"]]
    assert again.context["need_sectors"] == [("14030", "Basic drinking water supply and basic sanitation")]
    assert 'name="remove" value="14030"' in again.content.decode()


def test_a_refused_code_is_a_message_on_the_page_and_changes_nothing(client, codelist, cycle):  # noqa: F811
    login(client, Role.SECRETARIAT)
    need = f.NeedFactory(cycle=cycle)

    answer = client.post(sectors_url(need), {"accept": "23010"})

    assert codes(need) == []
    assert messages_of(answer) == ["23010 is not a DAC 5-digit sector code in use."]


def test_a_member_reads_the_sectors_without_suggestions_and_a_forged_post_is_forbidden(
    client,
    codelist,  # noqa: F811
    secretariat,
    cycle,
):
    need = f.NeedFactory(cycle=cycle, status=NeedStatus.VALIDATED, **WATER_NEED)
    services.accept_sector(user=secretariat, need=need, code="14030")
    login(client, Role.MEMBER)

    page = client.get(change_url(need))

    assert page.context["need_sectors"] == [("14030", "Basic drinking water supply and basic sanitation")]
    assert page.context["sector_suggestions"] == []
    assert 'name="remove"' not in page.content.decode()
    assert client.post(sectors_url(need), {"remove": "14030"}).status_code == 403
    assert client.post(sectors_url(need), {"accept": "12220"}).status_code == 403
    assert codes(need) == ["14030"]
