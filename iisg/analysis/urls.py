from django.urls import path

from . import views

app_name = "analysis"
urlpatterns = [
    path("database/", views.dashboard, name="dashboard"),
    path("database/gaps/", views.gaps, name="gaps"),
    path("database/overlaps/", views.overlaps, name="overlaps"),
    path("database/donors/", views.donors, name="donors"),
    path("database/priorities/", views.priorities, name="priorities"),
    path("database/needs/", views.needs, name="needs"),
    path("database/partners/<slug:code>/", views.partner, name="partner"),
    path("database/export/<slug:name>.<str:fmt>", views.export, name="export"),
]
