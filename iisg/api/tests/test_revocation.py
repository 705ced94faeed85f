"""What vouched for a token changing (the password, the second factor, the account) revokes every
token of the login; using the login as usual revokes nothing."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from iisg.api.choices import Revocation
from iisg.api.models import ApiToken
from iisg.core import accounts
from iisg.core.choices import Role
from iisg.core.tests import factories as f

from .factories import token_key

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def owner():
    user = f.UserFactory(roles=[Role.DONOR])
    token_key(user, name="Laptop")
    token_key(user, name="Server")
    return user


@pytest.fixture
def bystander():
    user = f.UserFactory()
    token_key(user)
    return user


def revocations(user):
    return sorted(ApiToken.objects.filter(user=user).values_list("revoked_because", flat=True))


def test_a_password_change_revokes_every_token_of_the_login(owner, bystander):
    owner.set_password("a new and longer passphrase")
    owner.save()
    assert revocations(owner) == [Revocation.PASSWORD, Revocation.PASSWORD]
    assert revocations(bystander) == [""]


def test_a_stronger_hash_of_the_same_password_at_login_revokes_nothing(owner, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    # What the login does: the password checked, then stored again under the preferred hasher.
    assert owner.check_password(PASSWORD)
    owner.refresh_from_db()
    assert owner.password.startswith("pbkdf2_sha256$")
    assert revocations(owner) == ["", ""]


def test_deactivating_the_account_revokes_its_tokens(owner):
    owner.is_active = False
    owner.save()
    assert revocations(owner) == [Revocation.DEACTIVATED, Revocation.DEACTIVATED]


def test_enrolling_a_second_factor_revokes_the_tokens_issued_without_it(owner):
    device = TOTPDevice.objects.create(user=owner, name="Authenticator app", confirmed=False)
    assert revocations(owner) == ["", ""]
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    assert revocations(owner) == [Revocation.TWO_FACTOR, Revocation.TWO_FACTOR]


def test_checking_a_code_of_the_second_factor_revokes_nothing(owner):
    device = TOTPDevice.objects.create(user=owner, name="Authenticator app", confirmed=True)
    token_key(owner, name="After enrolment")
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    assert device.verify_token(f"{code:06d}")
    assert ApiToken.objects.live().get(user=owner).name == "After enrolment"


def test_removing_the_second_factor_revokes_the_tokens(owner):
    device = TOTPDevice.objects.create(user=owner, name="Authenticator app", confirmed=True)
    token_key(owner, name="After enrolment")
    device.delete()
    assert not ApiToken.objects.live().filter(user=owner).exists()


def test_the_secretariat_turning_off_a_lost_second_factor_revokes_the_tokens(owner):
    TOTPDevice.objects.create(user=owner, name="Authenticator app", confirmed=True)
    token_key(owner, name="After enrolment")
    accounts.turn_off_two_factor(user=f.UserFactory(roles=[Role.SECRETARIAT]), account=owner)
    assert not ApiToken.objects.live().filter(user=owner).exists()
