"""sitemap.xml: every public page, as an anonymous visitor sees the site."""

from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from iisg.core.permissions import visible
from iisg.directory.models import Pillar
from iisg.events.models import Event
from iisg.governance.choices import MeetingBody
from iisg.governance.models import Meeting, Product

PUBLIC = AnonymousUser()


class PageSitemap(Sitemap):
    """The pages of one URL each."""

    def items(self):
        return [
            "website:home",
            "website:about",
            "website:pillars",
            "governance:meetings",
            "governance:materials",
            "events:list",
            "website:accessibility",
        ]

    def location(self, item):
        return reverse(item)


class PillarSitemap(Sitemap):
    def items(self):
        return Pillar.objects.order_by("order", "code")

    def location(self, item):
        return reverse("website:pillar", kwargs={"code": item.code})


class MeetingSitemap(Sitemap):
    """The Board meetings whose event is public."""

    def items(self):
        return (
            Meeting.objects.filter(body=MeetingBody.BOARD, event__in=visible(PUBLIC, Event.objects.all()))
            .select_related("event")
            .order_by("event__start_date", "number")
        )

    def location(self, item):
        return reverse("governance:meeting", kwargs={"slug": item.event.slug})

    def lastmod(self, item):
        return item.updated_at


class ProductSitemap(Sitemap):
    """The products the public may see: the adopted ones."""

    def items(self):
        return visible(PUBLIC, Product.objects.all()).order_by("title")

    def location(self, item):
        return reverse("governance:product", kwargs={"slug": item.slug})

    def lastmod(self, item):
        return item.updated_at


class EventSitemap(Sitemap):
    """The published events (their pages belong to the events app)."""

    def items(self):
        return visible(PUBLIC, Event.objects.all()).order_by("start_date", "slug")

    def location(self, item):
        return reverse("events:detail", kwargs={"slug": item.slug})

    def lastmod(self, item):
        return item.updated_at


SITEMAPS = {
    "pages": PageSitemap,
    "pillars": PillarSitemap,
    "meetings": MeetingSitemap,
    "materials": ProductSitemap,
    "events": EventSitemap,
}
