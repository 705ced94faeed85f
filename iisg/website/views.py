from django.shortcuts import render

from . import selectors


def home(request):
    return render(
        request,
        "website/home.html",
        {
            "figures": selectors.headline_figures(),
            "pillars": selectors.pillars_with_counts(),
            "upcoming_events": selectors.upcoming_events(limit=3),
            "latest_events": selectors.latest_events(limit=5),
        },
    )
