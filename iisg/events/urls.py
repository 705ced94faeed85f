from django.urls import path, re_path

from iisg.core.pagecache import public_page

from . import views
from .feeds import EventsAtomFeed

app_name = "events"
urlpatterns = [
    path("events/", views.event_list, name="list"),
    re_path(r"^events/(?P<year>[0-9]{4})/(?P<month>0[1-9]|1[0-2])/$", views.event_list, name="month"),
    path("events/feed/", public_page(EventsAtomFeed()), name="atom"),
    path("events.ics", views.events_ics, name="calendar"),
    path("events/<slug:slug>.ics", views.event_ics, name="ics"),
    path("events/<slug:slug>/", views.event_detail, name="detail"),
]
