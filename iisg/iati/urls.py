from django.urls import path

from . import views

app_name = "iati"
urlpatterns = [
    path("database/actions/iati/", views.actions_download, name="actions_download"),
    path("database/actions/iati.xml", views.actions_xml, name="actions_xml"),
]
