"""Ed25519 key pairs of the token issuers, as the environment carries them.

A key is its 32 raw bytes in unpadded base64url (43 characters): one line, so it fits an
environment variable or a Kubernetes Secret as it is. Each issuer has its own pair; a service
holds only the public halves, the issuer alone its private one.

    python -m shared.keys web    # a new pair for the web app, as two environment lines
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
from dataclasses import dataclass
from enum import StrEnum

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_BYTES = 32


class Issuer(StrEnum):
    """Who signs tokens; the value is the `iss` claim."""

    operator = "temu-dagang-operator"  # the operators' command line, the demo and the tests
    web = "temu-dagang-web"  # the web app, for the person signed in


# The variables an issuer's keys are read from: OPERATOR_SIGNING_KEY, WEB_VERIFY_KEY, ...
ENVIRONMENT_PREFIX = {Issuer.operator: "OPERATOR", Issuer.web: "WEB"}
KEY_VARIABLES = [
    f"{prefix}_{half}_KEY"
    for prefix in ENVIRONMENT_PREFIX.values()
    for half in ("VERIFY", "SIGNING")
]


def encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(text: str, name: str) -> bytes:
    """The raw key bytes; a ValueError naming the variable when `text` is not a key."""
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as malformed:
        raise ValueError(f"{name} is not base64url") from malformed
    if len(raw) != KEY_BYTES:
        raise ValueError(
            f"{name} must be a {KEY_BYTES}-byte Ed25519 key (`python -m shared.keys`), "
            f"not {len(raw)} bytes"
        )
    return raw


def signing_key(text: str, name: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(decode(text, name))


def verify_key(text: str, name: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(decode(text, name))


@dataclass(frozen=True)
class KeyPair:
    signing: str
    verify: str


def pair_of(private: Ed25519PrivateKey) -> KeyPair:
    raw_private = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    raw_public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return KeyPair(signing=encode(raw_private), verify=encode(raw_public))


def development_pair(issuer: Issuer) -> KeyPair:
    """A pair anyone can derive, as public as the code: accepted only in the development
    environments (shared.settings), so that a laptop and the tests need no key set up."""
    seed = hashlib.sha256(f"temu-dagang development key of {issuer.value}".encode()).digest()
    return pair_of(Ed25519PrivateKey.from_private_bytes(seed))


def new_pair() -> KeyPair:
    return pair_of(Ed25519PrivateKey.generate())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Print a new key pair for a token issuer")
    parser.add_argument("issuer", choices=[issuer.name for issuer in Issuer])
    prefix = ENVIRONMENT_PREFIX[Issuer[parser.parse_args(argv).issuer]]
    pair = new_pair()
    print("# the signing key goes to the issuer alone; the verify key to every service")
    print(f"{prefix}_SIGNING_KEY={pair.signing}")
    print(f"{prefix}_VERIFY_KEY={pair.verify}")


if __name__ == "__main__":
    main()
