"""The signed-in user's notifications, under /account/notifications/."""

from django.urls import path

from . import views

app_name = "workplace"
urlpatterns = [
    path("", views.notifications, name="notifications"),
    path("read/", views.read_all, name="read_all"),
    path("<int:pk>/read/", views.read, name="read"),
    path("<int:pk>/open/", views.open_notification, name="open"),
    path("preferences/", views.preferences, name="preferences"),
]
