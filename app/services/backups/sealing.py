"""Sealed (encrypted) backups, with the ``cryptography`` package's Fernet (AES-128-CBC with HMAC-SHA256,
https://github.com/fernet/spec) under a key derived from the owner's passphrase with scrypt (RFC 7914).

Why these: ``cryptography`` is the Python Cryptographic Authority's library, maintained and audited, and Fernet is
its high-level recipe that authenticates what it encrypts — a wrong passphrase or a changed byte is refused, never
decrypted into garbage. Fernet seals one message in memory, so a backup is sealed in chunks of 1 MiB; each chunk's
plaintext starts with its number and a last-chunk flag, so chunks cut off, dropped or swapped are refused too.

File layout: ``CPSEAL1\\n``, 16 bytes of scrypt salt, then chunks, each a 4-byte big-endian length and a Fernet token.
scrypt's parameters (n=2**15, r=8, p=1: 32 MiB, about 0.1 s here) are the ones the ``cryptography`` documentation
shows for key derivation.

The passphrase of scheduled backups is kept in the database sealed with a key derived (HKDF-SHA256) from the storage
secret (:func:`seal_passphrase`), so a copy of the database alone does not give it away.
"""

from __future__ import annotations

import base64
import os
import struct
from typing import TYPE_CHECKING, BinaryIO

from app.services import lazy
from app.services.errors import ClientPulseError
from app.services.i18n import _

if TYPE_CHECKING:  # the real modules for readers, tools and the bundle; the server imports them at the first seal
    from cryptography import fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf import hkdf, scrypt
else:  # ~7 MB of OpenSSL bindings a start does not need (bench/startup.py)
    fernet = lazy.module('cryptography.fernet', globals())
    hashes = lazy.module('cryptography.hazmat.primitives.hashes', globals())
    hkdf = lazy.module('cryptography.hazmat.primitives.kdf.hkdf', globals())
    scrypt = lazy.module('cryptography.hazmat.primitives.kdf.scrypt', globals())

MAGIC = b'CPSEAL1\n'
CHUNK = 1 << 20
_HEAD = struct.Struct('>QB')  # chunk number, last chunk?
_LENGTH = struct.Struct('>I')


class SealError(ClientPulseError):
    """A sealed backup cannot be opened: wrong passphrase, or the file was cut off or changed."""


def is_sealed(head: bytes) -> bool:
    """Whether a file starting with ``head`` (its first bytes) is a sealed backup."""
    return head.startswith(MAGIC)


def key_for(passphrase: str, salt: bytes) -> fernet.Fernet:
    """The Fernet key scrypt derives from ``passphrase`` and ``salt`` (16 bytes)."""
    derived = scrypt.Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode())
    return fernet.Fernet(base64.urlsafe_b64encode(derived))


class SealedWriter:
    """A write-only file object: what is written goes to ``raw`` sealed with ``passphrase``; :meth:`close` writes
    the last chunk (it does not close ``raw``)."""

    def __init__(self, raw: BinaryIO, passphrase: str) -> None:
        salt = os.urandom(16)
        self.raw, self.fernet = raw, key_for(passphrase, salt)
        self.buffer = bytearray()
        self.number = 0
        raw.write(MAGIC + salt)

    def write(self, data: bytes) -> int:
        self.buffer += data
        while len(self.buffer) >= CHUNK:
            self._chunk(bytes(self.buffer[:CHUNK]), last=False)
            del self.buffer[:CHUNK]
        return len(data)

    def flush(self) -> None:
        self.raw.flush()

    def close(self) -> None:
        self._chunk(bytes(self.buffer), last=True)
        self.buffer = bytearray()

    def _chunk(self, data: bytes, *, last: bool) -> None:
        token = self.fernet.encrypt(_HEAD.pack(self.number, last) + data)
        self.raw.write(_LENGTH.pack(len(token)) + token)
        self.number += 1


class SealedReader:
    """A read-only file object over a sealed backup ``raw`` (positioned at its start).

    :raises SealError: (from :meth:`read`) wrong passphrase, a chunk changed, missing or out of order, or the file
        ends before its last chunk
    """

    def __init__(self, raw: BinaryIO, passphrase: str) -> None:
        head = raw.read(len(MAGIC) + 16)
        if not is_sealed(head):
            raise SealError(_('This file is not a sealed ClientPulse backup.'))
        self.raw, self.fernet = raw, key_for(passphrase, head[len(MAGIC):])
        self.buffer = bytearray()
        self.number, self.done = 0, False

    def read(self, size: int = -1) -> bytes:
        while not self.done and (size < 0 or len(self.buffer) < size):
            self._next()
        if size < 0:
            size = len(self.buffer)
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    def _next(self) -> None:
        length = self.raw.read(_LENGTH.size)
        if len(length) < _LENGTH.size:
            raise SealError(_('The sealed backup is cut off: it ends before its last part.'))
        token = self.raw.read(_LENGTH.unpack(length)[0])
        try:
            plain = self.fernet.decrypt(token)
        except fernet.InvalidToken:
            raise SealError(_('The passphrase is wrong, or the sealed backup was changed.')) from None
        number, last = _HEAD.unpack_from(plain)
        if number != self.number:
            raise SealError(_('The sealed backup was changed: its parts are out of order.'))
        self.buffer += plain[_HEAD.size:]
        self.number += 1
        self.done = bool(last)


def seal_passphrase(passphrase: str, secret: str) -> str:
    """``passphrase`` sealed for keeping in the database, under a key derived from the storage ``secret``."""
    return _secret_key(secret).encrypt(passphrase.encode()).decode()


def unseal_passphrase(sealed: str, secret: str) -> str:
    """The passphrase :func:`seal_passphrase` sealed.

    :raises SealError: sealed under another storage secret (the data folder's ``storage_secret`` was replaced)
    """
    try:
        return _secret_key(secret).decrypt(sealed.encode()).decode()
    except fernet.InvalidToken:
        raise SealError(_('The backup passphrase cannot be read with this storage secret: enter it again in '
                          'Settings.')) from None


def _secret_key(secret: str) -> fernet.Fernet:
    derived = hkdf.HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b'clientpulse backup passphrase').derive(
        secret.encode())
    return fernet.Fernet(base64.urlsafe_b64encode(derived))
