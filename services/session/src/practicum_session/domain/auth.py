"""API keys: generation, hashing and verification.

A key looks like ``prk_<key id>_<secret>``. Only a SHA-256 hash of the whole key is
stored; the key id locates the row without a table scan. Keys are 256-bit random
values, so a fast hash is enough here: there is nothing to brute-force the way there is
with human passwords.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

PREFIX = "prk"

# Active keys an organisation may hold at once: enough to rotate (issue the new key,
# deploy it, revoke the old) and to give each integration its own, few enough that a
# forgotten key is noticed in the list.
MAX_ACTIVE_KEYS = 10


@dataclass(frozen=True)
class IssuedKey:
    key_id: str
    plaintext: str
    key_hash: str


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def issue_key() -> IssuedKey:
    key_id = secrets.token_hex(6)
    plaintext = f"{PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
    return IssuedKey(key_id=key_id, plaintext=plaintext, key_hash=hash_key(plaintext))


def parse_key_id(plaintext: str) -> str | None:
    """The key id of a well-formed key, or None (malformed keys never reach the DB)."""
    parts = plaintext.split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or len(parts[1]) != 12 or not parts[2]:
        return None
    return parts[1]


def verify(plaintext: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_key(plaintext), stored_hash)
