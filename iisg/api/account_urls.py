"""The signed-in user's own API tokens, under /account/tokens/ beside /account/two-factor/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.tokens, name="api-tokens"),
    path("<int:pk>/revoke/", views.revoke, name="api-token-revoke"),
]
