from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import views
from .sitemaps import SITEMAPS

app_name = "website"
urlpatterns = [
    path("", views.home, name="home"),
    path("about/", views.about, name="about"),
    path("pillars/", views.pillar_list, name="pillars"),
    path("pillars/<slug:code>/", views.pillar_detail, name="pillar"),
    path("search/", views.search, name="search"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]
