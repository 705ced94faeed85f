"""The platform's addresses plus one that fails, to see the 500 page as a visitor would."""

from django.urls import path

from iisg import urls

handler500 = urls.handler500


def broken(request):
    raise RuntimeError("a bug")


def failing_context(request):
    """A context processor as one fails when the database is down."""
    raise RuntimeError("the database went away")


urlpatterns = [path("broken/", broken), *urls.urlpatterns]
