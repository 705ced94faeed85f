"""The public pages: home, about, pillars, search, the accessibility statement, robots.txt, the
favicon and the 500 page (the 404 page is Django's handler with the site's 404.html).

All but search (one page per query), robots.txt, the favicon and the 500 page (no data) are served
to anonymous visitors from the shared cache (iisg.core.pagecache)."""

import datetime
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from iisg.analysis.selectors import headline_figures
from iisg.core.pagecache import public_page
from iisg.directory.choices import Body
from iisg.directory.models import KOSOVO_FOOTNOTE
from iisg.directory.selectors import board, current_members, pillars
from iisg.governance import selectors as governance

from . import selectors

# The Secretariat publishes the methodology under this slug; the About page links to it if it is public.
MEMBERSHIP_METHODOLOGY_SLUG = "methodology-for-becoming-an-iisg-member"
# Browsers ask for /favicon.ico whatever a page's <link rel="icon"> says; the file is one of the static ones.
FAVICON = Path(__file__).resolve().parent / "static" / "website" / "favicon.ico"
FAVICON_MAX_AGE = 7 * 24 * 60 * 60
# When the accessibility statement was last reviewed against the site; update it with each review.
ACCESSIBILITY_STATEMENT_REVIEWED = datetime.date(2026, 11, 24)


@public_page
def home(request):
    return render(
        request,
        "website/home.html",
        {
            "figures": headline_figures(),
            "pillars": selectors.pillars_with_counts(),
            "upcoming_events": selectors.upcoming_events(request.user, limit=3),
            "latest_events": selectors.latest_events(request.user, limit=5),
            "board_meeting": governance.latest_board_meeting(request.user),
        },
    )


@public_page
def about(request):
    return render(
        request,
        "website/about.html",
        {
            "board": board(request.user),
            "secretariat": current_members(request.user, body=Body.SECRETARIAT),
            "pillars": pillars(),
            "membership_methodology": governance.product(request.user, MEMBERSHIP_METHODOLOGY_SLUG),
            "admissions": governance.member_admissions(request.user),
        },
    )


@public_page
def pillar_list(request):
    return render(request, "website/pillar_list.html", {"pillars": selectors.pillars_with_counts()})


@public_page
def pillar_detail(request, code):
    pillar = selectors.pillar(code)
    if pillar is None:
        raise Http404
    return render(request, "website/pillar_detail.html", {"page": selectors.pillar_page(request.user, pillar)})


def search(request):
    query = request.GET.get("q", "")[:200]
    results = selectors.search(request.user, query) if query.strip() else None
    return render(
        request,
        "website/search.html",
        {
            "query": query.strip(),
            "results": results,
            "min_length": selectors.MIN_QUERY_LENGTH,
            # The header's search box shows it: a name of its own, so no other page's context fills it.
            "site_search_query": query.strip(),
        },
    )


@public_page
def accessibility(request):
    return render(
        request,
        "website/accessibility.html",
        {
            "contact_email": settings.IISG_CONTACT_EMAIL,
            "secretariat": current_members(request.user, body=Body.SECRETARIAT),
            "reviewed": ACCESSIBILITY_STATEMENT_REVIEWED,
        },
    )


@require_GET
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("website:sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /search/", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_GET
def favicon(request):
    """/favicon.ico, from the static files: a 404 for every page's first request otherwise."""
    response = FileResponse(FAVICON.open("rb"), content_type="image/vnd.microsoft.icon")
    patch_cache_control(response, public=True, max_age=FAVICON_MAX_AGE)
    return response


def server_error(request):
    """The 500 page in the site's layout (handler500), rendered from the request alone.

    No context processor runs: they read the signed-in user, the session and the notifications,
    from the database that may be what failed. The page needs no more than the address (for the
    navigation), the Secretariat's address and the footnote of the footer.
    """
    context = {"request": request, "contact_email": settings.IISG_CONTACT_EMAIL, "KOSOVO_FOOTNOTE": KOSOVO_FOOTNOTE}
    body = loader.render_to_string("500.html", context)
    return HttpResponseServerError(body)
