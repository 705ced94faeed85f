"""The signed-in user's own notifications (the list behind the bell, marking them read, following
one's link) and their choice of e-mail delivery for each kind. Another user's notification is
answered 404: its existence is not told."""

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import notify
from .forms import PreferencesForm
from .models import Notification

PER_PAGE = 25


@never_cache
@login_required
def notifications(request):
    """/account/notifications/: my notifications, unread first, a page at a time."""
    page = Paginator(notify.notifications_of(request.user).select_related("actor"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return TemplateResponse(
        request,
        "workplace/notifications.html",
        {
            **admin.site.each_context(request),
            "title": _("Notifications"),
            "page": page,
            "unread": notify.unread_count(request.user),
        },
    )


@require_POST
@login_required
def read(request, pk):
    notification = _own(request, pk)
    notify.mark_read(user=request.user, notification=notification)
    return redirect(_back_to_list(request))


@require_POST
@login_required
def read_all(request):
    count = notify.mark_all_read(user=request.user)
    messages.success(
        request,
        ngettext("%(count)s notification marked as read.", "%(count)s notifications marked as read.", count)
        % {"count": count},
    )
    return redirect("workplace:notifications")


@login_required
def open_notification(request, pk):
    """Follow a notification's link, marking it read; a link that leads off this site (none is
    written so, but a stored one is not trusted) goes to the list instead."""
    notification = _own(request, pk)
    notify.mark_read(user=request.user, notification=notification)
    url = notification.url
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(url)
    return redirect("workplace:notifications")


@never_cache
@login_required
def preferences(request):
    """/account/notifications/preferences/: for each kind of notification, e-mail at once, in the
    daily digest, or not at all (the bell shows them all the same)."""
    form = PreferencesForm(request.POST or None, deliveries=notify.deliveries_of(request.user))
    if request.method == "POST" and form.is_valid():
        notify.set_deliveries(user=request.user, deliveries=form.deliveries())
        messages.success(request, _("Your choices are saved."))
        return redirect("workplace:preferences")
    return TemplateResponse(
        request,
        "workplace/preferences.html",
        {**admin.site.each_context(request), "title": _("E-mail notifications"), "form": form},
    )


def _own(request, pk):
    return get_object_or_404(Notification, pk=pk, recipient=request.user)


def _back_to_list(request):
    """The list page the request came from (its page number kept), else the list's first page."""
    page = request.POST.get("page", "")
    url = reverse("workplace:notifications")
    return f"{url}?page={int(page)}" if page.isdigit() else url
