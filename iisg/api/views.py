from django import forms
from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from iisg.core.twofactor import check_code, confirmed_device


class Credentials(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    otp_token = serializers.CharField(
        max_length=8, required=False, allow_blank=True, help_text="The two-factor code, for accounts that use one."
    )


class ObtainToken(APIView):
    """A user's API token, for their username and password (and two-factor code, if they use one);
    the same token on each call. Wrong passwords count towards the login lock-out."""

    authentication_classes = []
    permission_classes = [AllowAny]
    serializer_class = Credentials

    @extend_schema(
        request=Credentials,
        responses={200: inline_serializer("Token", {"token": serializers.CharField()}), 400: OpenApiTypes.OBJECT},
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
        if device is not None:
            try:
                check_code(device, data.get("otp_token", ""))
            except forms.ValidationError as error:
                raise exceptions.ValidationError({"otp_token": error.messages}) from None
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
