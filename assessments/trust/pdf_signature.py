"""The stored signed PDF carries a standard PDF signature (PAdES baseline B-B, via pyHanko).

PDF readers know no SM2: the file is signed with the key file's ECDSA key and certificate
(trust.keys), so any reader shows whether the file changed since signing.
"""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from typing import TYPE_CHECKING

from . import keys

if TYPE_CHECKING:
    from asn1crypto.x509 import Certificate
    from pyhanko.sign.validation.status import PdfSignatureStatus

FIELD_NAME = "Signature-JixiaoZiping"


def outside_event_loop[T](work: Callable[[], T]) -> T:
    """pyHanko's synchronous calls start an event loop of their own, which Python refuses
    inside a running one (an async caller, or a thread that drives a browser): run them in a
    thread of their own then."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def sign_pdf(
    content: bytes, key_file: keys.KeyFile | None = None, *, reason: str = "签发版自评表"
) -> bytes:
    return outside_event_loop(lambda: _sign_pdf(content, key_file, reason))


def _sign_pdf(content: bytes, key_file: keys.KeyFile | None, reason: str) -> bytes:
    from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key_file = key_file or keys.load_key_file()
    certificates = _key_certificate_first(
        list(load_certs_from_pemder_data(key_file.pdf_cert_pem)), key_file.pdf_key_pem
    )
    signer = signers.SimpleSigner(
        signing_cert=certificates[0],
        signing_key=load_private_key_from_pemder_data(key_file.pdf_key_pem, passphrase=None),
        cert_registry=SimpleCertificateStore.from_certs(certificates),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
    )
    writer = IncrementalPdfFileWriter(BytesIO(content))
    return signers.sign_pdf(writer, metadata, signer=signer).getvalue()


def _key_certificate_first(
    certificates: list["Certificate"], key_pem: bytes
) -> list["Certificate"]:
    """The certificate of the private key first, then the rest of the chain: a chain exported
    from a CA's PKCS#12 file may list the CA before the installation's own certificate."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(key_pem, password=None)
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return sorted(certificates, key=lambda certificate: certificate.public_key.dump() != public)


def validate_pdf(content: bytes, trusted_certificate_pem: bytes) -> "PdfSignatureStatus":
    """pyHanko's validation status of the file's signature against the given certificate."""
    return outside_event_loop(lambda: _validate_pdf(content, trusted_certificate_pem))


def _validate_pdf(content: bytes, trusted_certificate_pem: bytes) -> "PdfSignatureStatus":
    from pyhanko.keys import load_certs_from_pemder_data
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(BytesIO(content))
    (signature,) = reader.embedded_signatures
    context = ValidationContext(
        trust_roots=list(load_certs_from_pemder_data(trusted_certificate_pem))
    )
    return validate_pdf_signature(signature, context)
