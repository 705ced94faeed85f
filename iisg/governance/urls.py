from django.urls import path

from . import views

app_name = "governance"
urlpatterns = [
    path("governance/", views.meeting_list, name="meetings"),
    path("governance/meetings/<slug:slug>/", views.meeting_detail, name="meeting"),
    path("materials/", views.material_list, name="materials"),
    path("materials/<slug:slug>/", views.product_detail, name="product"),
    path("materials/<slug:slug>/download/<int:pk>/", views.download, name="download"),
    path("documents/<path:name>", views.document, name="document"),
]
