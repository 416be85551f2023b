"""The signing key file: SM2 (with SM3) for sign-offs, ECDSA and a certificate for the PDF.

The private keys live in one PEM file outside the database (settings.SIGNING_KEY_FILE):

- ``SM2 PRIVATE KEY``: the 32-byte SM2 key that signs each sign-off (GB/T 32918, SM3 digest),
  unless settings.SIGNER_BACKEND names another signer (a signing server, a hardware module);
- ``SM2 PUBLIC KEY``: public keys of earlier, rotated keys, still trusted for old signatures;
- ``PRIVATE KEY`` and ``CERTIFICATE``: the ECDSA P-256 key and X.509 certificate (or a
  deployment's own key and chain) that sign the stored PDF, since PDF readers know no SM2.

A public key stored in the database is only trusted when the key file names it: someone who
can write to the database cannot add a key of their own. The public key of a configured signing
server or module is trusted too, since configuration names it.
"""

import base64
import hashlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from . import signers

ALGORITHM = signers.ALGORITHM
SM2_UID = signers.SM2_UID
_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----\s+(.*?)\s+-----END \1-----", re.S)

# No key file, or the configured signer cannot sign: signing is impossible (and without the
# file, signatures cannot be checked).
SigningKeyMissing = signers.SignerUnavailable


@dataclass(frozen=True)
class KeyFile:
    private_key: bytes | None  # SM2, 32 bytes; None when a signing server or module signs
    signer: signers.Signer
    public_key: bytes  # the signer's SM2 public key, 65 bytes (04 || x || y)
    trusted: frozenset[bytes]  # every public key whose signatures are accepted
    pdf_key_pem: bytes
    pdf_cert_pem: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)


def fingerprint(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()


def _pem(label: str, data: bytes) -> str:
    body = base64.encodebytes(data).decode("ascii")
    return f"-----BEGIN {label}-----\n{body}-----END {label}-----\n"


def _blocks(text: str) -> list[tuple[str, str]]:
    return [(label, match) for label, match in _BLOCK.findall(text)]


def key_path() -> Path:
    return Path(settings.SIGNING_KEY_FILE)


def load_key_file() -> KeyFile:
    path = key_path()
    try:
        stat = path.stat()
    except OSError:
        raise SigningKeyMissing(
            f"没有签名密钥文件（{path}），不能签发，也不能核验签名。"
            "请管理员运行 manage.py create_signing_key。"
        ) from None
    return _parse(str(path), stat.st_mtime_ns, stat.st_size, settings.SIGNER_BACKEND)


@lru_cache(maxsize=4)
def _parse(path: str, mtime_ns: int, size: int, backend: str = "") -> KeyFile:
    text = Path(path).read_text(encoding="ascii")
    private, retired, pdf_key, certificates = None, [], "", []
    for label, body in _blocks(text):
        raw = base64.b64decode(body)
        if label == "SM2 PRIVATE KEY":
            private = raw
        elif label == "SM2 PUBLIC KEY":
            retired.append(raw)
        elif label in ("PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"):
            pdf_key = _pem(label, raw)
        elif label == "CERTIFICATE":
            certificates.append(_pem(label, raw))
    if (private is not None and len(private) != 32) or not pdf_key or not certificates:
        raise SigningKeyMissing(f"签名密钥文件（{path}）不完整。")
    factory: signers.SignerFactory = import_string(backend or settings.SIGNER_BACKEND)
    signer = factory(private)
    # The file's own SM2 key stays trusted when a signing server or module signs instead.
    own = [signers.SoftwareKey(private).public_key] if private is not None else []
    return KeyFile(
        private_key=private,
        signer=signer,
        public_key=signer.public_key,
        trusted=frozenset([signer.public_key, *own, *retired]),
        pdf_key_pem=pdf_key.encode("ascii"),
        pdf_cert_pem="".join(certificates).encode("ascii"),
    )


def sign(message: bytes, key: KeyFile) -> str:
    """The configured signer's SM2 signature (r || s, hex) of a message."""
    return key.signer.sign(message).hex()


def verify(message: bytes, value: str, public_key: bytes) -> bool:
    """Whether value (hex r || s) is an SM2 signature of message by public_key."""
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        return False
    return signers.verify(public_key, message, raw)


# ---------------------------------------------------------------------------
# Creating and rotating


def _pdf_key_and_certificate(common_name: str) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def write_key_file(path: Path, *, retired: list[bytes], common_name: str) -> None:
    """A new key file (mode 0600) with a fresh SM2 key, PDF key and certificate."""
    private = signers.new_private_key()
    pdf_key, certificate = _pdf_key_and_certificate(common_name)
    text = (
        _pem("SM2 PRIVATE KEY", private)
        + "".join(_pem("SM2 PUBLIC KEY", public) for public in retired)
        + pdf_key
        + certificate
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(text)
    temporary.replace(path)
