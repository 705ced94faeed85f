from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("reports/<int:pk>/download/", views.download, name="download"),
    path("reports/packs/<int:pk>/changes/", views.pack_changes, name="pack-changes"),
]
