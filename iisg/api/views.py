from django import forms
from django.contrib import admin, messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import user_has_device
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from iisg.core.twofactor import check_code, confirmed_device, required_for

from . import services
from .forms import TokenForm
from .models import ApiToken


class Credentials(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    otp_token = serializers.CharField(
        max_length=8, required=False, allow_blank=True, help_text="The two-factor code, for accounts that use one."
    )
    name = serializers.CharField(
        max_length=100, required=False, help_text="What the token is for (the script); shown in your list of tokens."
    )
    expires = serializers.DateField(
        required=False,
        help_text="The last day the token works: at most API_TOKEN_MAX_DAYS (90) days away, that day if not given.",
    )


class ObtainToken(APIView):
    """A new API token for a username and password (and two-factor code, if the account uses one),
    named and expiring: its key is in this answer and never again. Wrong passwords count towards
    the login lock-out."""

    authentication_classes = []
    permission_classes = [AllowAny]
    serializer_class = Credentials

    @extend_schema(
        request=Credentials,
        responses={
            201: inline_serializer(
                "Token",
                {"token": serializers.CharField(), "name": serializers.CharField(), "expires": serializers.DateField()},
            ),
            400: OpenApiTypes.OBJECT,
        },
        auth=[],
    )
    def post(self, request):
        credentials = Credentials(data=request.data)
        credentials.is_valid(raise_exception=True)
        data = credentials.validated_data
        # The Django request, not DRF's wrapper: the login throttling (django-axes) records the
        # attempt on it, as it does for the back office's login form.
        user = authenticate(request=request._request, username=data["username"], password=data["password"])
        if user is None or not user.is_active:
            raise exceptions.ValidationError({"detail": _("Unknown username or wrong password.")})
        device = confirmed_device(user)
        if device is None and required_for(user):
            # A token would otherwise open, with the password alone, what a session opens only
            # with the second factor (OTP_REQUIRED_FOR_STAFF).
            raise exceptions.ValidationError(
                {
                    "otp_token": [
                        _("Your account must use two-factor authentication: set it up in the back office first.")
                    ]
                }
            )
        if device is not None:
            try:
                check_code(device, data.get("otp_token", ""))
            except forms.ValidationError as error:
                raise exceptions.ValidationError({"otp_token": error.messages}) from None
        issued = services.issue_token(
            user=user, name=data.get("name") or gettext("Issued by /api/token/"), expires=data.get("expires")
        )
        return Response(
            {"token": issued.key, "name": issued.token.name, "expires": issued.token.expires},
            status=status.HTTP_201_CREATED,
        )


def unverified(request):
    """Is the session short of the second factor its user has turned on (signed in without it)?"""
    return user_has_device(request.user, confirmed=True) and not request.user.is_verified()


@never_cache
@login_required
def tokens(request):
    """The signed-in user's own API tokens: issue one (its key shown on this answer only), list them."""
    form = TokenForm(request.POST or None)
    issued = None
    if request.method == "POST":
        if unverified(request):
            messages.error(request, _("Sign in again with your two-factor code to issue a token."))
            return redirect("api-tokens")
        if form.is_valid():
            try:
                issued = services.issue_token(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                form = TokenForm()
    return TemplateResponse(
        request,
        "api/tokens.html",
        {
            **admin.site.each_context(request),
            "title": _("API tokens"),
            "form": form,
            "issued": issued,
            "unverified": unverified(request),
            "tokens": ApiToken.objects.filter(user=request.user),
        },
    )


@require_POST
@login_required
def revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.revoke_token(user=request.user, token=token)
    messages.success(request, _("The token %(name)s no longer works.") % {"name": token.name})
    return redirect("api-tokens")
