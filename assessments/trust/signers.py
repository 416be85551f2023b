"""Who signs a sign-off, behind one small interface, so that configuration can change it.

A ``Signer`` holds one SM2 key and signs with the SM3 digest and the default distinguishing
identifier ``1234567812345678`` (GB/T 32918, GB/T 35276): the 64 bytes ``r || s``. Which signer
signs is ``settings.SIGNER_BACKEND``, the dotted path of a callable that takes the key file's
SM2 private key (32 bytes, or None when the file holds none) and returns a Signer. The default,
``SoftwareKey``, signs with the key file's own key; a signing server (签名验签服务器) or a
hardware module is another callable that returns an object with the same three members.

Verifying needs no secret: ``verify`` checks any signature against a public key, here.

The arithmetic is Tongsuo's (the OpenSSL fork of the Tongsuo project, bundled in the
``tongsuopy`` wheel): the nonce's scalar multiplication runs through OpenSSL's Montgomery ladder
rather than branching on the nonce's bits, and a verification takes under a millisecond.
"""

from collections.abc import Callable
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from tongsuopy.crypto import hashes, serialization
from tongsuopy.crypto.asymciphers import ec
from tongsuopy.crypto.exceptions import InvalidSignature

ALGORITHM = "SM2-SM3"
# The distinguishing identifier of GB/T 35276 when none is agreed; Tongsuo uses it by default.
SM2_UID = b"1234567812345678"
SIGNATURE_BYTES = 64
_HALF = SIGNATURE_BYTES // 2
_SM2_WITH_SM3 = ec.ECDSA(hashes.SM3())


class SignerUnavailable(Exception):
    """The configured signer cannot sign: there is no key, or its server does not answer."""


class Signer(Protocol):
    @property
    def algorithm(self) -> str:
        """ "SM2-SM3"."""
        ...

    @property
    def public_key(self) -> bytes:
        """65 bytes, 04 || x || y."""
        ...

    def sign(self, message: bytes) -> bytes:
        """The SM2 signature of message (ZA with the default identifier, then SM3): r || s."""
        ...


SignerFactory = Callable[[bytes | None], Signer]


def _uncompressed(public_key: ec.EllipticCurvePublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


class SoftwareKey:
    """The key file's SM2 private key, held in this process."""

    algorithm = ALGORITHM

    def __init__(self, private_key: bytes | None) -> None:
        if private_key is None or len(private_key) != _HALF:
            raise SignerUnavailable("签名密钥文件中没有 SM2 私钥。")
        try:
            self._key = ec.derive_private_key(int.from_bytes(private_key, "big"), ec.SM2())
        except ValueError:
            raise SignerUnavailable("签名密钥文件中的 SM2 私钥无效。") from None
        self.public_key = _uncompressed(self._key.public_key())

    def sign(self, message: bytes) -> bytes:
        r, s = decode_dss_signature(self._key.sign(message, _SM2_WITH_SM3))
        return r.to_bytes(_HALF, "big") + s.to_bytes(_HALF, "big")


def new_private_key() -> bytes:
    """A fresh SM2 private key, 32 bytes."""
    value = ec.generate_private_key(ec.SM2()).private_numbers().private_value
    return int(value).to_bytes(_HALF, "big")


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether signature (r || s) is an SM2 signature of message by public_key."""
    if len(signature) != SIGNATURE_BYTES:
        return False
    r = int.from_bytes(signature[:_HALF], "big")
    s = int.from_bytes(signature[_HALF:], "big")
    if not (r and s):
        return False
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SM2(), public_key)
        key.verify(encode_dss_signature(r, s), message, _SM2_WITH_SM3)
    except (ValueError, InvalidSignature):
        return False
    return True
