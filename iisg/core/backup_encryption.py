"""Encryption of backups at rest: AES-256-GCM over the archive in chunks, streamed both ways, so an
archive of any size is never held in memory.

An encrypted backup is
    header     40 bytes: MAGIC, format version, key derivation (0: BACKUP_KEY, 1: scrypt of
               BACKUP_PASSPHRASE) with scrypt's log2(N), r and p, a random 16-byte salt, a random
               7-byte nonce prefix and the size of a plain chunk
    key check  16 bytes: the GCM tag of nothing under the key, so a wrong passphrase is told apart
               from a damaged file
    chunks     each chunk of the archive (the last may be shorter) encrypted, with its 16-byte tag

Every chunk's nonce is the prefix, its index (4 bytes) and a flag (1 for the last chunk, 0 for the
others; the key check uses index 2^32-1 and flag 2, which no chunk can have), and the header is its
associated data: a chunk moved, dropped, repeated or taken from another file fails to authenticate,
and so does a file cut after a whole chunk (no chunk says it is the last): the STREAM construction
(Hoang, Reyhanitabar, Rogaway, Vizár), as age and Tink use it.
"""

import base64
import binascii
import os
import struct
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings

MAGIC = b"IISG-ENC"
VERSION = 1
HEADER = struct.Struct(">8sBBBBB16s7sI")
TAG_SIZE = 16
CHUNK_SIZE = 1 << 20
KEY_SIZE = 32
WITH_KEY, WITH_PASSPHRASE = 0, 1
# scrypt at N=2^17, r=8: 128 MiB and under a second per backup or restore, about the cost age uses
# for a passphrase. What a file's header asks for is bounded, so a forged header cannot make a
# restore take gigabytes of memory or hours.
SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P = 17, 8, 1
SCRYPT_MAX_MEMORY, SCRYPT_MAX_P = 256 << 20, 4
CHUNK_SIZES = range(1 << 10, (1 << 24) + 1)
# As long as the platform's own passwords (AUTH_PASSWORD_VALIDATORS): whoever holds a backup file
# can try passphrases offline for as long as they like.
PASSPHRASE_MIN_LENGTH = 12
CHECK_INDEX, CHECK_FLAG = 0xFFFFFFFF, 2


class EncryptionError(Exception):
    """The secret is missing or misconfigured, or an encrypted file does not open; `str(error)`
    says which, for the person running the command."""


@dataclass(frozen=True)
class Secret:
    """What BACKUP_PASSPHRASE or BACKUP_KEY holds (one of them)."""

    passphrase: str = field(default="", repr=False)
    key: bytes = field(default=b"", repr=False)

    @property
    def variable(self):
        return "BACKUP_KEY" if self.key else "BACKUP_PASSPHRASE"


def configured_secret():
    """The Secret from the settings, or None when neither BACKUP_PASSPHRASE nor BACKUP_KEY is set."""
    passphrase, encoded_key = settings.BACKUP_PASSPHRASE, settings.BACKUP_KEY
    if passphrase and encoded_key:
        raise EncryptionError("Set BACKUP_PASSPHRASE or BACKUP_KEY, not both.")
    if encoded_key:
        try:
            key = base64.b64decode(encoded_key, validate=True)
        except binascii.Error:
            key = b""
        if len(key) != KEY_SIZE:
            raise EncryptionError(
                f"BACKUP_KEY must be {KEY_SIZE} bytes written in base64 (make one with `openssl rand -base64 32`)."
            )
        return Secret(key=key)
    if passphrase:
        if len(passphrase) < PASSPHRASE_MIN_LENGTH:
            raise EncryptionError(f"BACKUP_PASSPHRASE must be at least {PASSPHRASE_MIN_LENGTH} characters long.")
        return Secret(passphrase=passphrase)
    return None


def is_encrypted(file):
    """Whether the file (open for reading, at its start) is an encrypted backup; leaves it at its start."""
    start = file.read(len(MAGIC))
    file.seek(0)
    return start == MAGIC


class EncryptingWriter:
    """A write-only file object that encrypts what is written to it into `file`. `finish()` writes
    the last chunk: a file never finished does not open."""

    def __init__(self, file, secret):
        derivation = WITH_KEY if secret.key else WITH_PASSPHRASE
        # The module's CHUNK_SIZE read now, not bound at definition: the reader takes it from the header.
        self._chunk_size = CHUNK_SIZE
        self._header = HEADER.pack(
            MAGIC,
            VERSION,
            derivation,
            SCRYPT_LOG_N,
            SCRYPT_R,
            SCRYPT_P,
            os.urandom(16),
            os.urandom(7),
            self._chunk_size,
        )
        fields = HEADER.unpack(self._header)
        self._prefix = fields[7]
        self._aead = AESGCM(_key(secret, fields))
        self._file = file
        self._file.write(
            self._header + self._aead.encrypt(_nonce(self._prefix, CHECK_INDEX, CHECK_FLAG), b"", self._header)
        )
        self._buffer = bytearray()
        self._index = 0

    def write(self, data):
        self._buffer += data
        # A full chunk goes out only once more follows: the last chunk must be marked as such.
        while len(self._buffer) > self._chunk_size:
            self._seal(bytes(self._buffer[: self._chunk_size]), last=False)
            del self._buffer[: self._chunk_size]
        return len(data)

    def finish(self):
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _seal(self, chunk, *, last):
        self._file.write(self._aead.encrypt(_nonce(self._prefix, self._index, int(last)), chunk, self._header))
        self._index += 1


class DecryptingReader:
    """A read-only file object giving back the plain archive of an encrypted `file`, chunk by chunk,
    each authenticated before any of it is read. `finish()` reads on to the end: only then is the
    whole file known to be complete and unaltered."""

    def __init__(self, file, secret):
        header = file.read(HEADER.size)
        fields = HEADER.unpack(header) if len(header) == HEADER.size else None
        if fields is None or fields[0] != MAGIC:
            raise EncryptionError("The backup is damaged: its encryption header is incomplete.")
        _, version, derivation, log_n, r, p, _, prefix, chunk_size = fields
        if version != VERSION:
            raise EncryptionError(f"This backup's encryption has version {version}; this platform reads {VERSION}.")
        wanted = {WITH_KEY: "BACKUP_KEY", WITH_PASSPHRASE: "BACKUP_PASSPHRASE"}.get(derivation)
        scrypt_fits = log_n >= 1 and r >= 1 and 1 <= p <= SCRYPT_MAX_P and 128 * r << log_n <= SCRYPT_MAX_MEMORY
        if wanted is None or chunk_size not in CHUNK_SIZES or not scrypt_fits:
            raise EncryptionError("The backup is damaged: its encryption header does not hold what ours do.")
        if secret is None or secret.variable != wanted:
            raise EncryptionError(
                f"This backup is encrypted with {wanted}: set {wanted} to the one it was made with"
                + (f" ({secret.variable} is set instead)." if secret else ".")
            )
        check = file.read(TAG_SIZE)
        if len(check) != TAG_SIZE:
            raise EncryptionError("The backup is incomplete: it ends inside its encryption header.")
        self._aead = AESGCM(_key(secret, fields))
        try:
            self._aead.decrypt(_nonce(prefix, CHECK_INDEX, CHECK_FLAG), check, header)
        except InvalidTag:
            raise EncryptionError(
                f"{wanted} does not open this backup: it is not the one the backup was made with "
                "(or the backup's header is damaged)."
            ) from None
        self._file = file
        self._header = header
        self._prefix = prefix
        self._sealed_size = chunk_size + TAG_SIZE
        self._next = file.read(self._sealed_size)
        self._index = 0
        self._chunk = b""
        self._offset = 0
        self._ended = False

    def read(self, size):
        """Up to `size` bytes (fewer at a chunk's end, as a pipe gives them); b"" at the end."""
        while self._offset == len(self._chunk) and not self._ended:
            self._chunk, self._offset = self._open_next(), 0
        piece = self._chunk[self._offset : self._offset + size]
        self._offset += len(piece)
        return piece

    def finish(self):
        """Read the rest of the file, each chunk authenticated, up to the one marked last."""
        while not self._ended:
            self._open_next()

    def _open_next(self):
        sealed, self._next = self._next, self._file.read(self._sealed_size)
        # A chunk with nothing after it must be the one marked last; if it opens as an inner
        # chunk instead, the file was cut short after it.
        last = not self._next
        try:
            chunk = self._aead.decrypt(_nonce(self._prefix, self._index, int(last)), sealed, self._header)
        except InvalidTag:
            if last and self._cut_short(sealed):
                raise EncryptionError(
                    "The backup is incomplete: it was cut short (its last encrypted part is missing)."
                ) from None
            raise EncryptionError(
                f"The backup is damaged, altered or cut short: its encrypted part {self._index + 1} "
                "does not authenticate."
            ) from None
        self._index += 1
        self._ended = last
        return chunk

    def _cut_short(self, sealed):
        """Whether the file ends where the chunk at this index should start, or right after it as an
        inner chunk (one not marked last)."""
        if not sealed:
            return True
        try:
            self._aead.decrypt(_nonce(self._prefix, self._index, 0), sealed, self._header)
        except InvalidTag:
            return False
        return True


def _key(secret, fields):
    if secret.key:
        return secret.key
    _, _, _, log_n, r, p, salt, _, _ = fields
    return Scrypt(salt=salt, length=KEY_SIZE, n=1 << log_n, r=r, p=p).derive(secret.passphrase.encode())


def _nonce(prefix, index, flag):
    # A 4-byte index: past 2^32 - 1 chunks (4 PiB) to_bytes raises rather than reuse a nonce.
    return prefix + index.to_bytes(4, "big") + bytes([flag])
