"""Every public page type on a 390 px phone and on a desktop, in a real browser with the demo:
nothing is wider than the screen (the accessibility statement promises no sideways scrolling)
and axe-core finds no serious violation in either layout."""

import datetime
import re
import uuid

import pytest
from django.contrib.auth.models import Group
from django.db.models.functions import Length
from django.utils import timezone

from iisg.analysis.selectors import default_cycle, default_year
from iisg.core.choices import Role
from iisg.core.tests.factories import UserFactory
from iisg.directory.models import Pillar
from iisg.events.choices import EventKind
from iisg.events.models import Event
from iisg.events.services import save_event
from iisg.governance.choices import MeetingBody, ProductKind
from iisg.governance.models import Meeting, Product
from iisg.needs.models import Area

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

# The elements that stick out to the right of the screen, to name them when a page overflows.
WIDER_THAN_THE_SCREEN = """() => {
    const width = document.documentElement.clientWidth;
    const scrolls = element => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(element).overflowX);
    const inScrollingBox = element => {
        for (let box = element.parentElement; box && box !== document.body; box = box.parentElement) {
            if (scrolls(box)) return true;
        }
        return false;
    };
    return [...document.body.querySelectorAll('*')]
        .filter(element => element.getBoundingClientRect().right > width + 0.5 && !inScrollingBox(element))
        .slice(0, 8)
        .map(element => `${element.tagName.toLowerCase()}${element.id ? '#' + element.id : ''}`
            + `${[...element.classList].map(name => '.' + name).join('')}`
            + ` (right edge ${Math.round(element.getBoundingClientRect().right)}px)`);
}"""


def _past_event():
    return Event.objects.filter(is_published=True, start_date__lt=timezone.localdate()).order_by("-start_date").first()


def _upcoming_event():
    """The demo's events have all passed: the Secretariat publishes the latest of them again, a
    month from today, with its text, so that the page of an event still to come is measured too."""
    secretariat = UserFactory()
    secretariat.groups.add(Group.objects.get(name=Role.SECRETARIAT))
    event = _past_event()
    event.pk, event.uid, event.slug = None, uuid.uuid4(), f"{event.slug}-again"
    event.start_date, event.end_date = timezone.localdate() + datetime.timedelta(days=30), None
    return save_event(user=secretariat, event=event)


def _meeting(body):
    return Meeting.objects.filter(body=body, event__is_published=True).select_related("event").order_by("-pk").first()


def _filtered_dashboard():
    """The dashboard filtered on the area with the longest name: its select is the widest control."""
    cycle = default_cycle()
    area = Area.objects.filter(cycle=cycle).order_by(Length("name").desc()).first()
    return f"/database/?cycle={cycle.pk}&year={default_year(cycle, timezone.localdate())}&area={area.pk}"


# Each public page type (reachable without signing in), as a path read from the demo.
PAGES = {
    "home": lambda: "/",
    "about": lambda: "/about/",
    "accessibility": lambda: "/accessibility/",
    "pillars": lambda: "/pillars/",
    "pillar": lambda: f"/pillars/{Pillar.objects.order_by('order').last().code.lower()}/",
    "search": lambda: "/search/?q=border",
    # A word longer than a phone is wide, as a visitor may type it: shown back, it must wrap.
    "search-long-word": lambda: "/search/?q=Grenzübergangsstellenmodernisierungsprogrammevaluierung",
    "events": lambda: "/events/",
    "events-filtered": lambda: f"/events/?kind={EventKind.SUPPORT_GROUP_MEETING}",
    "events-month": lambda: (lambda event: f"/events/{event.start_date:%Y}/{event.start_date:%m}/")(_past_event()),
    "event-past": lambda: f"/events/{_past_event().slug}/",
    "event-upcoming": lambda: f"/events/{_upcoming_event().slug}/",
    "governance": lambda: "/governance/",
    "board-meeting": lambda: f"/governance/meetings/{_meeting(MeetingBody.BOARD).event.slug}/",
    "support-group-meeting": lambda: f"/governance/meetings/{_meeting(MeetingBody.SUPPORT_GROUP).event.slug}/",
    "materials": lambda: "/materials/",
    "materials-filtered": lambda: f"/materials/?pillar=&kind={ProductKind.REPORT}",
    "product": lambda: f"/materials/{Product.objects.order_by(Length('title').desc()).first().slug}/",
    "database": lambda: "/database/",
    "database-filtered": _filtered_dashboard,
    "sign-in": lambda: "/admin/login/",
    "not-found": lambda: "/no-such-page/",
}


@pytest.fixture
def demo(demo_database_without_logins):
    return demo_database_without_logins.restore()


def _assert_fits(page, viewport, path):
    for box in ("document.documentElement", "document.body"):
        width = page.evaluate(f"{box}.scrollWidth")
        assert width <= viewport["width"], (
            f"{path}: {box} is {width}px wide on a {viewport['width']}px screen; "
            f"sticking out: {page.evaluate(WIDER_THAN_THE_SCREEN)}"
        )


@pytest.mark.parametrize("name", PAGES)
def test_a_public_page_fits_a_phone_and_a_desktop_and_is_accessible_on_both(
    live_server, page, assert_accessible, demo, name
):
    path = PAGES[name]()
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        response = page.goto(live_server.url + path)
        assert response.status == (404 if name == "not-found" else 200), path
        _assert_fits(page, viewport, path)
        assert_accessible(page)


# Each chart shown: its width, the size in screen pixels of its smallest text, and its sums on the axis.
CHARTS_SHOWN = """() => [...document.querySelectorAll('.chart svg')]
    .filter(svg => svg.checkVisibility())
    .map(svg => ({
        width: svg.getBoundingClientRect().width,
        sums: [...svg.querySelectorAll('.axis text')].map(text => text.textContent).filter(text => text.includes('€')),
        smallest: Math.min(...[...svg.querySelectorAll('text')]
            .filter(text => text.textContent.trim() && text.checkVisibility())
            .map(text => parseFloat(getComputedStyle(text).fontSize) * svg.getScreenCTM().a)),
    }))"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_funding_chart_is_shown_once_with_text_a_person_can_read(live_server, page, demo, viewport):
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/database/")
    (chart,) = page.evaluate(CHARTS_SHOWN)
    assert chart["width"] <= viewport["width"]
    assert chart["smallest"] >= 11, f"the chart's smallest text is {chart['smallest']:.1f}px"
    # On a phone the sums are short (€40M); a desktop has room for the whole sum (€40,000,000).
    sum_pattern = r"-?€\d+(\.\d)?[kM]?" if viewport == PHONE else r"-?€\d{1,3}(,\d{3})*"
    assert chart["sums"]
    assert all(re.fullmatch(sum_pattern, text) for text in chart["sums"]), chart["sums"]
