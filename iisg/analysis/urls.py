from django.urls import path

from . import alert_views, views

app_name = "analysis"
urlpatterns = [
    path("database/", views.dashboard, name="dashboard"),
    path("database/gaps/", views.gaps, name="gaps"),
    path("database/overlaps/", views.overlaps, name="overlaps"),
    path("database/donors/", views.donors, name="donors"),
    path("database/priorities/", views.priorities, name="priorities"),
    path("database/needs/", views.needs, name="needs"),
    path("database/partners/<slug:code>/", views.partner, name="partner"),
    path("database/quality/", alert_views.quality, name="quality"),
    path("database/quality/check/", alert_views.check_now, name="quality_check"),
    path("database/quality/<int:pk>/silence/", alert_views.silence, name="quality_silence"),
    path("database/quality/silenced/<int:pk>/unsilence/", alert_views.unsilence, name="quality_unsilence"),
    path("database/export/<slug:name>.<str:fmt>", views.export, name="export"),
]
