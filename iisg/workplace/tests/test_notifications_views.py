"""The notification pages: my list (unread first, a page at a time), marking read, following a
link (local ones only), my e-mail preferences, and the bell's count in the back office's header."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from iisg.core.choices import Role, Step
from iisg.core.tests import factories as f
from iisg.workplace.choices import Delivery
from iisg.workplace.context_processors import notifications as bell_context
from iisg.workplace.models import Notification, Preference
from iisg.workplace.notify import DEFAULT_DELIVERY, Message, notify

pytestmark = pytest.mark.django_db

LIST = reverse("workplace:notifications")
PREFERENCES = reverse("workplace:preferences")


@pytest.fixture
def focal_point(albania):
    return f.user_with(Role.FOCAL_POINT, partner=albania)


@pytest.fixture
def other(serbia):
    return f.user_with(Role.FOCAL_POINT, partner=serbia)


@pytest.fixture
def signed_in(client, focal_point):
    client.force_login(focal_point)
    return client


def tell(user, title, url="/admin/needs/need/1/change/", step=Step.NEED_RETURNED):
    (notification,) = notify(step=step, message=Message(User.objects.filter(pk=user.pk), title, f"About {title}.", url))
    return notification


def read(notification):
    Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())


# The list


def test_the_list_asks_to_sign_in(client):
    response = client.get(LIST)

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_the_list_shows_my_notifications_unread_first_and_not_others(signed_in, focal_point, other):
    older = tell(focal_point, "AL-WBBSi-001 validated")
    newer = tell(focal_point, "AL-WBBSi-002 validated")
    read(newer)
    tell(other, "RS-WBBSi-001 returned: please revise")

    response = signed_in.get(LIST)

    page = response.context["page"]
    assert list(page.object_list) == [older, newer]
    content = response.content.decode()
    assert "RS-WBBSi-001" not in content
    assert f'<tr class="unread" id="notification-{older.pk}">' in content
    assert f'<tr class="read" id="notification-{newer.pk}">' in content
    assert "You have 1 unread notification." in content
    assert "designation-footnote" in content


def test_the_list_is_paginated(signed_in, focal_point):
    for number in range(30):
        tell(focal_point, f"AL-WBBSi-{number:03d} validated")

    first = signed_in.get(LIST)
    second = signed_in.get(LIST, {"page": 2})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    assert "Page 2 of 2" in second.content.decode()


def test_the_list_keeps_a_flat_number_of_queries(signed_in, focal_point, other, django_assert_max_num_queries):
    for number in range(3):
        tell(focal_point, f"AL-WBBSi-{number:03d} validated")
    signed_in.get(LIST)
    with django_assert_max_num_queries(12) as few:
        signed_in.get(LIST)
    for number in range(20):
        notification = tell(focal_point, f"AL-WBBSi-{number:03d} returned: please revise")
        Notification.objects.filter(pk=notification.pk).update(actor=other)

    with django_assert_max_num_queries(len(few.captured_queries)):
        signed_in.get(LIST)


# Marking read


def test_mark_as_read(signed_in, focal_point):
    notification = tell(focal_point, "AL-WBBSi-001 validated")

    response = signed_in.post(reverse("workplace:read", args=[notification.pk]), {"page": "1"})

    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?page=1"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_read_is_a_post(signed_in, focal_point):
    notification = tell(focal_point, "AL-WBBSi-001 validated")

    assert signed_in.get(reverse("workplace:read", args=[notification.pk])).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_another_users_notification_is_not_found(signed_in, other):
    theirs = tell(other, "RS-WBBSi-001 returned: please revise")

    assert signed_in.post(reverse("workplace:read", args=[theirs.pk])).status_code == 404
    assert signed_in.get(reverse("workplace:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_as_read_marks_only_mine(signed_in, focal_point, other):
    tell(focal_point, "AL-WBBSi-001 validated")
    tell(focal_point, "AL-WBBSi-002 validated")
    theirs = tell(other, "RS-WBBSi-001 returned: please revise")

    response = signed_in.post(reverse("workplace:read_all"), follow=True)

    assert "2 notifications marked as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=focal_point, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


# Following a link


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(signed_in, focal_point):
    notification = tell(focal_point, "AL-WBBSi-001 returned: please revise", url="/admin/needs/need/7/change/")

    response = signed_in.get(reverse("workplace:open", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == "/admin/needs/need/7/change/"
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize(
    "url", ["https://evil.example/admin/", "//evil.example/admin/", "javascript:alert(1)", "/\\evil.example"]
)
def test_opening_never_leads_off_the_site(signed_in, focal_point, url):
    notification = tell(focal_point, "AL-WBBSi-001 validated", url=url)

    response = signed_in.get(reverse("workplace:open", args=[notification.pk]))

    assert response["Location"] == LIST


def test_opening_a_notification_without_a_link_goes_to_the_list(signed_in, focal_point):
    notification = tell(focal_point, "AL-WBBSi-001 validated", url="")

    assert signed_in.get(reverse("workplace:open", args=[notification.pk]))["Location"] == LIST


# Preferences


def test_preferences_show_the_defaults(signed_in):
    response = signed_in.get(PREFERENCES)

    form = response.context["form"]
    assert form[Step.CYCLE_OPENED].initial == Delivery.AT_ONCE
    assert form[Step.COMMENTED].initial == DEFAULT_DELIVERY[Step.COMMENTED]
    assert "Needs mapping opened" in response.content.decode()


def test_saving_preferences_keeps_only_the_choices_that_differ_from_the_default(signed_in, focal_point):
    choices = {step.value: DEFAULT_DELIVERY[step].value for step in Step}
    choices[Step.NEED_RETURNED] = Delivery.DIGEST
    choices[Step.CYCLE_OPENED] = Delivery.OFF

    response = signed_in.post(PREFERENCES, choices)

    assert response.status_code == 302
    assert dict(Preference.objects.filter(user=focal_point).values_list("step", "delivery")) == {
        Step.NEED_RETURNED: Delivery.DIGEST,
        Step.CYCLE_OPENED: Delivery.OFF,
    }
    assert signed_in.get(PREFERENCES).context["form"][Step.NEED_RETURNED].initial == Delivery.DIGEST


def test_going_back_to_the_default_forgets_the_choice(signed_in, focal_point):
    Preference.objects.create(user=focal_point, step=Step.NEED_RETURNED, delivery=Delivery.OFF)
    choices = {step.value: DEFAULT_DELIVERY[step].value for step in Step}

    signed_in.post(PREFERENCES, choices)

    assert not Preference.objects.filter(user=focal_point).exists()


def test_a_wrong_choice_is_refused(signed_in, focal_point):
    choices = {step.value: DEFAULT_DELIVERY[step].value for step in Step} | {Step.NEED_RETURNED: "carrier pigeon"}

    response = signed_in.post(PREFERENCES, choices)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Preference.objects.exists()


def test_preferences_change_only_my_own(signed_in, other):
    Preference.objects.create(user=other, step=Step.NEED_RETURNED, delivery=Delivery.OFF)

    signed_in.post(PREFERENCES, {step.value: DEFAULT_DELIVERY[step].value for step in Step})

    assert Preference.objects.filter(user=other).count() == 1


# The bell


def test_the_bell_shows_the_unread_count(signed_in, focal_point, other):
    tell(focal_point, "AL-WBBSi-001 validated")
    tell(focal_point, "AL-WBBSi-002 validated")
    read(tell(focal_point, "AL-WBBSi-003 validated"))
    tell(other, "RS-WBBSi-001 returned: please revise")

    content = signed_in.get(reverse("admin:index")).content.decode()

    assert (
        f'<a href="{LIST}" id="notifications-bell" aria-label="Notifications (2 unread)">Notifications (2)</a>'
        in content
    )


def test_the_bell_shows_no_count_when_all_is_read(signed_in, focal_point):
    read(tell(focal_point, "AL-WBBSi-001 validated"))

    content = signed_in.get(reverse("admin:index")).content.decode()

    assert f'<a href="{LIST}" id="notifications-bell">Notifications</a>' in content


def test_the_bell_counts_with_one_query_and_only_when_shown(rf, focal_point, django_assert_num_queries):
    tell(focal_point, "AL-WBBSi-001 validated")
    request = rf.get("/")
    request.user = focal_point

    with django_assert_num_queries(0):
        bell = bell_context(request)["notification_bell"]
    with django_assert_num_queries(1):
        assert bell.unread == 1
        assert bell.unread == 1


def test_no_bell_for_visitors_or_users_outside_the_back_office(rf, focal_point):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    assert bell_context(request) == {}
    focal_point.is_staff = False
    request.user = focal_point
    assert bell_context(request) == {}
