"""With BACKUP_PASSPHRASE or BACKUP_KEY set, a backup is encrypted whole: it restores exactly with the
same secret, shows none of the platform's secrets, and is refused, changing nothing, without it, with
another, or once altered or cut short."""

import base64
import io
import re
import zlib

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from iisg.core import backup, backup_encryption
from iisg.core.tests.test_backup import build_platform, change_everything, every_file, every_row, needs_pg_tools

pytestmark = [pytest.mark.django_db(transaction=True), needs_pg_tools]

PASSPHRASE = "correct horse battery staple, for the backups"
KEY = base64.b64encode(bytes(range(32))).decode()
SMALL_CHUNK = 4096
SEALED_CHUNK = SMALL_CHUNK + backup_encryption.TAG_SIZE
FIRST_CHUNK = backup_encryption.HEADER.size + backup_encryption.TAG_SIZE


@pytest.fixture(autouse=True)
def _var_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"


@pytest.fixture
def passphrase(settings):
    settings.BACKUP_PASSPHRASE = PASSPHRASE


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 4 KiB: the small test archive then spans enough of them to move one."""
    monkeypatch.setattr(backup_encryption, "CHUNK_SIZE", SMALL_CHUNK)


def build_platform_with_secrets(settings):
    """The platform, and a login with a two-factor device: its password hash and TOTP key."""
    build_platform(settings)
    device = TOTPDevice.objects.create(user=User.objects.first(), name="Authenticator app", confirmed=True)
    return [User.objects.first().password, device.key]


@pytest.mark.parametrize("secret", ["BACKUP_PASSPHRASE", "BACKUP_KEY"])
def test_an_encrypted_backup_restores_every_row_and_every_file(settings, secret):
    setattr(settings, secret, {"BACKUP_PASSPHRASE": PASSPHRASE, "BACKUP_KEY": KEY}[secret])
    build_platform_with_secrets(settings)
    rows, files = every_row(), every_file(settings)

    made = backup.create_backup()
    change_everything(settings)
    with backup.prepare_restore(path=made.path) as prepared:
        prepared.apply()

    assert (made.encrypted, prepared.encrypted) == (True, True)
    assert re.fullmatch(r"iisg-\d{8}T\d{6}Z\.tar\.gz\.enc", made.path.name)
    assert every_row() == rows
    assert every_file(settings) == files


def test_an_encrypted_backup_shows_no_password_hash_or_totp_key(settings, tmp_path, passphrase):
    secrets = build_platform_with_secrets(settings)

    content = backup.create_backup(output=tmp_path / "platform.tar.gz.enc").path.read_bytes()

    for secret in secrets:
        assert secret.encode() not in content
    assert bytes.fromhex(secrets[1]) not in content
    assert content.startswith(backup_encryption.MAGIC)
    # Encrypted bytes look random: nothing in them for zlib to squeeze.
    assert len(zlib.compress(content, 9)) > len(content)


def without_passphrase(settings, path):
    settings.BACKUP_PASSPHRASE = ""
    return r"This backup is encrypted with BACKUP_PASSPHRASE: set BACKUP_PASSPHRASE to the one it was made with\."


def with_another_passphrase(settings, path):
    settings.BACKUP_PASSPHRASE = "another passphrase, not the one"
    return r"BACKUP_PASSPHRASE does not open this backup: it is not the one the backup was made with"


def with_a_key_instead(settings, path):
    settings.BACKUP_PASSPHRASE, settings.BACKUP_KEY = "", KEY
    return r"encrypted with BACKUP_PASSPHRASE: .* \(BACKUP_KEY is set instead\)"


def one_byte_altered(settings, path):
    content = bytearray(path.read_bytes())
    content[FIRST_CHUNK + 2 * SEALED_CHUNK + 100] ^= 0x01
    path.write_bytes(bytes(content))
    return r"damaged, altered or cut short: its encrypted part 3 does not authenticate"


def two_chunks_swapped(settings, path):
    content = path.read_bytes()
    first, second = (content[FIRST_CHUNK + i * SEALED_CHUNK :][:SEALED_CHUNK] for i in (1, 2))
    path.write_bytes(content.replace(first + second, second + first))
    return r"damaged, altered or cut short: its encrypted part 2 does not authenticate"


def a_chunk_dropped(settings, path):
    content = path.read_bytes()
    dropped = FIRST_CHUNK + SEALED_CHUNK
    path.write_bytes(content[:dropped] + content[dropped + SEALED_CHUNK :])
    return r"damaged, altered or cut short: its encrypted part 2 does not authenticate"


def cut_after_a_whole_chunk(settings, path):
    path.write_bytes(path.read_bytes()[: FIRST_CHUNK + 3 * SEALED_CHUNK])
    return r"The backup is incomplete: it was cut short \(its last encrypted part is missing\)"


def cut_inside_a_chunk(settings, path):
    path.write_bytes(path.read_bytes()[: FIRST_CHUNK + 3 * SEALED_CHUNK + 1000])
    return r"damaged, altered or cut short: its encrypted part 4 does not authenticate"


def cut_inside_the_header(settings, path):
    path.write_bytes(path.read_bytes()[: backup_encryption.HEADER.size + 3])
    return r"The backup is incomplete: it ends inside its encryption header"


def chunk_size_altered_in_the_header(settings, path):
    content = bytearray(path.read_bytes())
    content[backup_encryption.HEADER.size - 1] ^= 0x01
    path.write_bytes(bytes(content))
    return r"does not open this backup: .* \(or the backup's header is damaged\)"


def scrypt_asked_for_gigabytes(settings, path):
    """A forged header: scrypt at N=2^30 would take 128 GiB before the key check could fail."""
    content = bytearray(path.read_bytes())
    content[len(backup_encryption.MAGIC) + 2] = 30
    path.write_bytes(bytes(content))
    return r"The backup is damaged: its encryption header does not hold what ours do\."


@pytest.mark.parametrize(
    "damage",
    [
        without_passphrase,
        with_another_passphrase,
        with_a_key_instead,
        one_byte_altered,
        two_chunks_swapped,
        a_chunk_dropped,
        cut_after_a_whole_chunk,
        cut_inside_a_chunk,
        cut_inside_the_header,
        chunk_size_altered_in_the_header,
        scrypt_asked_for_gigabytes,
    ],
)
def test_an_encrypted_backup_that_does_not_open_is_refused_and_changes_nothing(
    settings, tmp_path, passphrase, small_chunks, damage
):
    build_platform_with_secrets(settings)
    made = backup.create_backup(output=tmp_path / "platform.tar.gz.enc")
    assert made.path.stat().st_size > FIRST_CHUNK + 5 * SEALED_CHUNK
    change_everything(settings)
    rows, files = every_row(), every_file(settings)
    message = damage(settings, made.path)

    with pytest.raises(backup.BackupRefused, match=message + r".* Nothing was changed\.$"):
        backup.restore_backup(path=made.path)

    assert every_row() == rows
    assert every_file(settings) == files
    assert not list(settings.VAR_DIR.glob(".iisg-restore-*"))


def test_an_unencrypted_backup_still_restores_once_a_passphrase_is_set(settings, tmp_path):
    build_platform(settings)
    rows = every_row()
    made = backup.create_backup(output=tmp_path / "platform.tar.gz")
    change_everything(settings)
    settings.BACKUP_PASSPHRASE = PASSPHRASE

    restored = backup.restore_backup(path=made.path)

    assert (made.encrypted, restored.encrypted) == (False, False)
    assert every_row() == rows


@pytest.mark.parametrize(
    ("passphrase", "key", "message"),
    [
        ("", "bm90IDMyIGJ5dGVz", r"BACKUP_KEY must be 32 bytes written in base64"),
        ("", "not base64 at all!", r"BACKUP_KEY must be 32 bytes written in base64"),
        (PASSPHRASE, KEY, r"Set BACKUP_PASSPHRASE or BACKUP_KEY, not both\."),
        ("too short", "", r"BACKUP_PASSPHRASE must be at least 12 characters long\."),
    ],
)
def test_a_backup_secret_that_does_not_fit_is_refused_and_writes_nothing(settings, passphrase, key, message):
    settings.BACKUP_PASSPHRASE, settings.BACKUP_KEY = passphrase, key

    with pytest.raises(backup.BackupFailed, match=message):
        backup.create_backup()

    assert not settings.VAR_DIR.exists()


@pytest.mark.parametrize(
    ("passphrase", "says"),
    [
        (PASSPHRASE, "Encrypted: restoring it needs the same BACKUP_PASSPHRASE or BACKUP_KEY."),
        ("", "Not encrypted: it holds password hashes and two-factor keys in clear."),
    ],
)
def test_the_commands_say_whether_the_backup_is_encrypted(settings, tmp_path, passphrase, says):
    settings.BACKUP_PASSPHRASE = passphrase
    made, restored = io.StringIO(), io.StringIO()

    call_command("backup", output=str(tmp_path / "cmd"), stdout=made)
    call_command("restore", str(tmp_path / "cmd"), yes=True, stdout=restored)

    assert says in made.getvalue()
    assert ("decrypted and authenticated" in restored.getvalue()) == bool(passphrase)
