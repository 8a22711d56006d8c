"""Personal columns encrypted at rest (UU 27/2022): NIK, names, phones, emails, addresses.

- :class:`EncryptedCharField` / :class:`EncryptedTextField` encrypt on save and decrypt on read
  with Fernet (AES-128-CBC and HMAC-SHA256, from ``cryptography``); the database holds only
  tokens. An empty value stays empty (an anonymous grievance has no name to hide).
- The keys come from ``SEJAHTERA_FIELD_KEYS``: Fernet keys, comma-separated, newest first. The
  newest encrypts; every one decrypts (``MultiFernet``), so a new key is put first and
  ``sejahtera manage rotate_keys`` then re-encrypts every row with it, after which the old keys
  may be dropped.
- Without ``SEJAHTERA_FIELD_KEYS`` a development workbench makes one key in its data folder
  (``SEJAHTERA_DATA/field.key``) and says so in the log; production refuses to start without it.
- Equality needs a column of its own: :func:`lookup_hash` is an HMAC of the value with a key
  derived from a field key, stored beside the token (a grievance's ``nik_hash``); a lookup asks
  for any of :func:`lookup_hashes` (one per key), so it still finds rows between a new key and
  the rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

log = logging.getLogger(__name__)

KEY_FILE = "field.key"  # the development key, in the data folder
TOKEN_START = "gAAAAA"  # every Fernet token: version byte 0x80 and a timestamp before 2106


def _development_key() -> str:
    return _key_in(Path(settings.DATA_FOLDER) / KEY_FILE)


@lru_cache(maxsize=4)
def _key_in(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        made = path.with_name(f"{KEY_FILE}.{os.getpid()}")
        descriptor = os.open(made, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(Fernet.generate_key().decode())
        try:
            os.link(made, path)  # whole or not at all; a process that made one first wins
        except FileExistsError:
            pass
        finally:
            made.unlink()
    log.warning(  # once a process (cached): the development key is in use, and where it is
        "SEJAHTERA_FIELD_KEYS is not set: personal columns are encrypted with the development "
        "key in %s. Set SEJAHTERA_FIELD_KEYS in production.",
        path,
    )
    return path.read_text().strip()


def configured_keys() -> tuple[str, ...]:
    """The field keys, newest first: ``SEJAHTERA_FIELD_KEYS``, or the development key."""
    listed = os.environ.get("SEJAHTERA_FIELD_KEYS", "").split(",")
    keys = tuple(key.strip() for key in listed if key.strip())
    if keys:
        return keys
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured(
            "SEJAHTERA_FIELD_KEYS must be set in production (Fernet keys, newest first)"
        )
    return (_development_key(),)


@lru_cache(maxsize=4)
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, tuple[bytes, ...]]:
    try:
        fernets = [Fernet(key.encode()) for key in keys]
    except ValueError:
        raise ImproperlyConfigured(
            "SEJAHTERA_FIELD_KEYS holds a value that is not a Fernet key (32 url-safe base64 "
            "bytes; make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())')"
        ) from None
    hashing = tuple(
        hashlib.sha256(b"sejahtera lookup hash\0" + base64.urlsafe_b64decode(key)).digest()
        for key in keys
    )
    return MultiFernet(fernets), hashing


def encrypt(value: str) -> str:
    """``value`` as a token of the newest key; ``""`` stays ``""``."""
    if not value:
        return value
    return _fernets(configured_keys())[0].encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return token
    try:
        return _fernets(configured_keys())[0].decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A personal column could not be decrypted with any key of SEJAHTERA_FIELD_KEYS: "
            "the key it was written with is missing (or the column was not encrypted)."
        ) from None


def rotate(token: str) -> str:
    """``token`` encrypted again with the newest key (any key may have written it)."""
    if not token:
        return token
    return _fernets(configured_keys())[0].rotate(token.encode()).decode()


def is_token(value: str) -> bool:
    """Whether ``value`` decrypts with one of the keys (the data migration's test)."""
    try:
        _fernets(configured_keys())[0].decrypt(value.encode())
    except (InvalidToken, ValueError):
        return False
    return True


def lookup_hashes(value: str) -> list[str]:
    """The HMAC of ``value`` under each key, newest first (for ``hash__in=...``)."""
    hashing = _fernets(configured_keys())[1]
    return [hmac.new(key, value.encode(), hashlib.sha256).hexdigest() for key in hashing]


def lookup_hash(value: str) -> str:
    """The HMAC of ``value`` under the newest key, ``""`` for an empty value."""
    return lookup_hashes(value)[0] if value else ""


class _Encrypted:
    """What both encrypted fields share: a token in a ``text`` column, the plain value in
    Python. Lookups other than ``isnull`` and an empty value cannot match a token."""

    def get_internal_type(self) -> str:
        return "TextField"

    def get_lookup(self, lookup_name: str) -> Any:
        """Only ``isnull``: a token never equals another (``=`` would silently find nothing), so
        any other lookup is refused; equality goes through a lookup hash column."""
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None  # type: ignore[misc]

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return value if value is None else decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)  # type: ignore[misc]
        return value if value is None else encrypt(str(value))


class EncryptedCharField(_Encrypted, models.CharField):
    """A one-line personal value (a name, a NIK, a phone), encrypted at rest. ``max_length``
    bounds the plain value (forms and validation), not the column."""


class EncryptedTextField(_Encrypted, models.TextField):
    """A multi-line personal value (an address), encrypted at rest."""


class EncryptedEmailField(EncryptedCharField):
    """An email address, encrypted at rest, checked as an email."""

    default_validators = models.EmailField.default_validators

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms

        return super().formfield(**{"form_class": forms.EmailField, **kwargs})


def plain(value: str | None) -> str:
    """A stored value as plain text: a token decrypted, a value not yet encrypted as it is. A
    token none of the keys opens stops the migration or rotation (a key is missing)."""
    if not value:
        return ""
    if is_token(value):
        return decrypt(value)
    if value.startswith(TOKEN_START):
        decrypt(value)  # raises, naming SEJAHTERA_FIELD_KEYS
    return value


def encrypt_rows(
    connection: Any, model: Any, fields: tuple[str, ...], hashes: dict[str, str], *, back: bool
) -> None:
    """The data migration of a model whose ``fields`` became encrypted: each plain value is
    encrypted (``back``: each token decrypted) in place, and each ``hashes`` column (hash column
    → field) filled from the plain value. Read and written with SQL: the model's own fields
    would decrypt on reading what is not yet a token."""
    quote = connection.ops.quote_name
    table, pk = model._meta.db_table, model._meta.pk.column
    columns = [model._meta.get_field(name).column for name in fields]
    hashed = [model._meta.get_field(name).column for name in hashes] if not back else []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(pk)}, {', '.join(map(quote, columns))} FROM {quote(table)}")
        rows = cursor.fetchall()
    sets = ", ".join(f"{quote(column)} = %s" for column in [*columns, *hashed])
    for pk_value, *values in rows:
        texts = [plain(v) for v in values]
        new = texts if back else [encrypt(v) for v in texts]
        hash_values = [lookup_hash(texts[fields.index(field)]) for field in hashes.values()]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(table)} SET {sets} WHERE {quote(pk)} = %s",
                [*new, *(hash_values if not back else []), pk_value],
            )


def encrypted_fields(model: Any) -> tuple[tuple[str, ...], dict[str, str]]:
    """``model``'s encrypted fields, and its lookup hash columns (``<field>_hash``) by field."""
    fields = tuple(f.name for f in model._meta.concrete_fields if isinstance(f, _Encrypted))
    names = {f.name for f in model._meta.concrete_fields}
    return fields, {f"{name}_hash": name for name in fields if f"{name}_hash" in names}
