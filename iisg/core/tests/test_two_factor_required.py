"""A second factor is required of the Secretariat and superusers when OTP_REQUIRED_FOR_STAFF is on
(production), and recovery codes open a login once each when the phone is lost."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from iisg.core import accounts, twofactor
from iisg.core.choices import Role

from . import factories as f
from .test_security import current_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
BACK_OFFICE = reverse("admin:index")
LOGIN = reverse("admin:login")
TWO_FACTOR = reverse("two-factor")


@pytest.fixture
def required(settings):
    settings.OTP_REQUIRED_FOR_STAFF = True


@pytest.fixture
def secretariat():
    return f.UserFactory(username="anna", roles=[Role.SECRETARIAT])


def log_in(client, user, **extra):
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD, "next": BACK_OFFICE, **extra})


def app_of(user):
    return TOTPDevice.objects.create(user=user, name=twofactor.DEVICE_NAME, confirmed=True)


# Required of the Secretariat


def test_a_secretariat_login_without_a_device_is_sent_to_enrol_at_its_next_request(client, required, secretariat):
    assert log_in(client, secretariat).status_code == 302

    for path in (BACK_OFFICE, reverse("admin:needs_need_changelist"), "/"):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, TWO_FACTOR), path
    page = client.get(TWO_FACTOR)
    assert "Your role requires two-factor authentication: set it up to continue." in page.text


def test_a_superuser_without_a_device_is_sent_to_enrol(client, required):
    client.force_login(f.UserFactory(is_superuser=True))
    assert client.get(BACK_OFFICE)["Location"] == TWO_FACTOR


def test_a_login_sent_to_enrol_can_still_sign_out(client, required, secretariat):
    client.force_login(secretariat)
    assert client.post(reverse("admin:logout")).status_code == 200
    assert SESSION_KEY not in client.session


def test_the_api_answers_a_session_that_must_enrol_in_json(client, required, secretariat):
    client.force_login(secretariat)
    response = client.get("/api/needs/")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Your account must use two-factor authentication: set it up in the back office first."
    }


def test_once_enrolled_the_secretariat_reaches_the_back_office(client, required, secretariat):
    client.force_login(secretariat)
    client.get(TWO_FACTOR)
    pending = TOTPDevice.objects.get(user=secretariat)
    assert client.post(TWO_FACTOR, {"code": current_code(pending)}).status_code == 200
    assert client.get(BACK_OFFICE).status_code == 200


def test_a_secretariat_session_not_verified_with_the_code_signs_in_again(client, required, secretariat):
    app_of(secretariat)
    client.force_login(secretariat)

    response = client.get(reverse("admin:needs_need_changelist"))

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={reverse('admin:needs_need_changelist')}"
    assert SESSION_KEY not in client.session
    assert "Sign in again with the code of your authenticator app." in client.get(response["Location"]).text


def test_the_secretariat_signed_in_with_the_code_works_as_before(client, required, secretariat):
    device = app_of(secretariat)
    assert log_in(client, secretariat, otp_token=current_code(device)).status_code == 302
    assert client.get(BACK_OFFICE).status_code == 200


def test_other_roles_keep_the_second_factor_optional(client, required):
    client.force_login(f.user_with(Role.MEMBER))
    assert client.get(BACK_OFFICE).status_code == 200
    assert "Your role requires" not in client.get(TWO_FACTOR).text


def test_without_the_setting_the_secretariat_signs_in_with_the_password_alone(client, settings, secretariat):
    settings.OTP_REQUIRED_FOR_STAFF = False
    log_in(client, secretariat)
    assert client.get(BACK_OFFICE).status_code == 200


# Recovery codes


def enrol(client, user):
    """Enrol `user`'s app through the page; the recovery codes it shows."""
    client.force_login(user)
    client.get(TWO_FACTOR)
    page = client.post(TWO_FACTOR, {"code": current_code(TOTPDevice.objects.get(user=user))})
    return page.context["codes"], page


def test_enrolling_shows_ten_recovery_codes_once_with_a_text_file_to_download(client, secretariat):
    codes, page = enrol(client, secretariat)

    assert len(set(codes)) == 10
    assert all(f"<code>{code}</code>" in page.text for code in codes)
    assert 'download="iisg-recovery-codes.txt"' in page.text
    assert page.context["codes_file"].splitlines()[-10:] == codes
    assert "no-cache" in page["Cache-Control"]
    later = client.get(TWO_FACTOR)
    assert not any(code in later.text for code in codes)
    assert "10 recovery codes are left" in later.text


def test_a_recovery_code_opens_one_login_and_only_once(client, secretariat):
    codes, _page = enrol(client, secretariat)
    client.logout()

    signed_in = log_in(client, secretariat, otp_token=codes[3].upper())
    assert signed_in.status_code == 302
    assert "You signed in with a recovery code; 9 remain." in client.get(BACK_OFFICE).text
    assert client.get(BACK_OFFICE).wsgi_request.user.is_verified()

    client.logout()
    again = log_in(client, secretariat, otp_token=codes[3])
    assert again.status_code == 200
    assert "a recovery code not used before" in again.text
    assert SESSION_KEY not in client.session


def test_a_recovery_code_passes_where_the_second_factor_is_required(client, required, secretariat):
    app_of(secretariat)
    code = twofactor.replace_recovery_codes(user=secretariat)[0]
    log_in(client, secretariat, otp_token=code)
    assert client.get(BACK_OFFICE).status_code == 200


def test_new_recovery_codes_need_the_apps_code_and_replace_the_old_ones(client, secretariat):
    old_codes, _page = enrol(client, secretariat)
    device = TOTPDevice.objects.get(user=secretariat)

    refused = client.post(TWO_FACTOR, {"action": "replace-codes", "replace-code": current_code(device, offset=10)})
    assert "This code is not right" in refused.text
    assert StaticToken.objects.filter(token=old_codes[0]).exists()

    device.refresh_from_db()
    device.throttle_reset()
    page = client.post(TWO_FACTOR, {"action": "replace-codes", "replace-code": current_code(device, offset=1)})
    new_codes = page.context["codes"]
    assert len(new_codes) == 10
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new_codes)
    assert "New recovery codes: the old ones no longer work." in page.text


def test_removing_the_app_removes_the_recovery_codes(client, secretariat):
    enrol(client, secretariat)
    device = TOTPDevice.objects.get(user=secretariat)
    client.post(TWO_FACTOR, {"action": "remove", "remove-code": current_code(device, offset=1)})
    assert not StaticDevice.objects.filter(user=secretariat).exists()


def test_the_secretariat_turning_off_a_lost_phone_also_removes_its_recovery_codes(secretariat):
    app_of(secretariat)
    twofactor.replace_recovery_codes(user=secretariat)
    assert accounts.turn_off_two_factor(user=f.user_with(Role.SECRETARIAT), account=secretariat) == 1
    assert not StaticDevice.objects.filter(user=secretariat).exists()
    assert log_in(Client(), secretariat).status_code == 302
