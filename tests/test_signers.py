"""SM2 signing behind one interface: Tongsuo signs and verifies what gmalg did, and the reverse."""

from datetime import UTC, datetime, timedelta
from io import BytesIO

import gmalg
import pikepdf
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.test import override_settings

from assessments import services
from assessments.models import Assessment, Signature
from assessments.trust import keys, pdf_signature, signers, signing
from assessments.trust.signing import SignatureState, check_signature

# The private key of GB/T 32918's signing example, with a signature that gmalg made of the
# message below: a value as installations have stored them so far.
STANDARD_PRIVATE_KEY = bytes.fromhex(
    "3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8"
)
STANDARD_PUBLIC_KEY = bytes.fromhex(
    "0409f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
    "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13"
)
GMALG_MESSAGE = 'jixiao-signature/1\n{"assessment":1}\n{"project":"宣传费"}'.encode()
GMALG_SIGNATURE = (
    "02840f258b8b0bc7c5dd7fcb9086f67f5134513b4c39dff26a74bfc7d5de81e5"
    "f89c91766d9c46e98d25aec1c2a523e8397782a6b1860fe87c9bb1c80fd1ca20"
)


def gmalg_sign(private: bytes, public: bytes, message: bytes) -> str:
    """How the sign-offs stored so far were made: gmalg, the default id, r || s padded."""
    r, s = gmalg.SM2(private, signers.SM2_UID, public).sign(message)
    return (r.rjust(32, b"\0") + s.rjust(32, b"\0")).hex()


def gmalg_verifies(public: bytes, message: bytes, value: str) -> bool:
    raw = bytes.fromhex(value)
    return bool(gmalg.SM2(pk=public, uid=signers.SM2_UID).verify(message, raw[:32], raw[32:]))


def test_a_signature_stored_by_gmalg_verifies():
    assert signers.SoftwareKey(STANDARD_PRIVATE_KEY).public_key == STANDARD_PUBLIC_KEY
    assert keys.verify(GMALG_MESSAGE, GMALG_SIGNATURE, STANDARD_PUBLIC_KEY)
    assert not keys.verify(GMALG_MESSAGE + b" ", GMALG_SIGNATURE, STANDARD_PUBLIC_KEY)
    flipped = GMALG_SIGNATURE[:-1] + ("1" if GMALG_SIGNATURE[-1] != "1" else "2")
    assert not keys.verify(GMALG_MESSAGE, flipped, STANDARD_PUBLIC_KEY)


def test_gmalg_and_tongsuo_verify_each_others_signatures():
    key_file = keys.load_key_file()
    assert isinstance(key_file.signer, signers.SoftwareKey)
    assert key_file.private_key is not None
    assert key_file.public_key == gmalg.SM2().generate_pk(key_file.private_key)
    message = b"jixiao-signature/1\n" + "签发内容".encode() * 50

    by_gmalg = gmalg_sign(key_file.private_key, key_file.public_key, message)
    assert keys.verify(message, by_gmalg, key_file.public_key)
    assert not keys.verify(message + b"!", by_gmalg, key_file.public_key)

    by_tongsuo = keys.sign(message, key_file)
    assert len(by_tongsuo) == 128
    assert gmalg_verifies(key_file.public_key, message, by_tongsuo)
    assert not gmalg_verifies(key_file.public_key, message + b"!", by_tongsuo)


def test_a_signature_whose_r_or_s_starts_with_a_zero_byte_keeps_its_64_bytes():
    """One value in 128 has r or s below 2^248; both sides must read the padded 32 bytes."""
    software = signers.SoftwareKey(STANDARD_PRIVATE_KEY)
    for number in range(3000):
        message = b"message %d" % number
        raw = software.sign(message)
        if raw[0] == 0 or raw[32] == 0:
            break
    else:
        raise AssertionError("no short r or s in 3000 signatures")
    assert len(raw) == 64
    assert signers.verify(software.public_key, message, raw)
    assert gmalg_verifies(software.public_key, message, raw.hex())


@pytest.mark.parametrize(
    "value",
    ["", "00" * 64, "ff" * 64, GMALG_SIGNATURE[:-2], GMALG_SIGNATURE + "00", "zz" * 64],
    ids=["empty", "zero", "above-the-order", "short", "long", "not-hex"],
)
def test_malformed_values_do_not_verify(value):
    assert not keys.verify(GMALG_MESSAGE, value, STANDARD_PUBLIC_KEY)


def test_a_public_key_off_the_curve_does_not_verify():
    off_curve = STANDARD_PUBLIC_KEY[:-1] + bytes([STANDARD_PUBLIC_KEY[-1] ^ 1])
    assert not keys.verify(GMALG_MESSAGE, GMALG_SIGNATURE, off_curve)
    assert not keys.verify(GMALG_MESSAGE, GMALG_SIGNATURE, b"")


def test_a_key_file_written_before_keeps_loading(tmp_path):
    """The file's SM2 block is the raw 32-byte key, as gmalg's keys were stored."""
    pdf_key, certificate = keys._pdf_key_and_certificate("旧密钥文件")
    path = tmp_path / "old.pem"
    path.write_text(
        keys._pem("SM2 PRIVATE KEY", STANDARD_PRIVATE_KEY) + pdf_key + certificate,
        encoding="ascii",
    )
    with override_settings(SIGNING_KEY_FILE=path):
        key_file = keys.load_key_file()
    assert key_file.public_key == STANDARD_PUBLIC_KEY
    assert key_file.trusted == {STANDARD_PUBLIC_KEY}
    assert keys.verify(GMALG_MESSAGE, GMALG_SIGNATURE, key_file.public_key)


# ---------------------------------------------------------------------------
# Another signer by configuration


class ModuleSigner:
    """Stands in for a signing server or hardware module: a key the key file does not hold."""

    algorithm = signers.ALGORITHM
    key = signers.new_private_key()
    calls = 0

    def __init__(self, private_key: bytes | None) -> None:
        self._inner = signers.SoftwareKey(self.key)
        self.public_key = self._inner.public_key

    def sign(self, message: bytes) -> bytes:
        ModuleSigner.calls += 1
        return self._inner.sign(message)


class UnreachableSigner(ModuleSigner):
    def sign(self, message: bytes) -> bytes:
        raise signers.SignerUnavailable("签名服务器没有响应，未能签发。")


def file_without_sm2_key(tmp_path):
    pdf_key, certificate = keys._pdf_key_and_certificate("签名服务器")
    path = tmp_path / "server.pem"
    path.write_text(pdf_key + certificate, encoding="ascii")
    return path


def test_without_an_sm2_key_the_default_signer_refuses(tmp_path):
    with (
        override_settings(SIGNING_KEY_FILE=file_without_sm2_key(tmp_path)),
        pytest.raises(keys.SigningKeyMissing, match="没有 SM2 私钥"),
    ):
        keys.load_key_file()


def test_a_configured_signer_signs_the_sign_off_and_its_key_is_trusted(demo):
    assessment = Assessment.objects.filter(status=Assessment.Status.SIGNED_OFF).first()
    older = assessment.signatures.get()
    services.void_signatures(assessment, by=None, reason="重新签发")
    with override_settings(SIGNER_BACKEND="tests.test_signers.ModuleSigner"):
        before = ModuleSigner.calls
        signature = signing.record_signature(assessment)
        assert ModuleSigner.calls == before + 1
        key_file = keys.load_key_file()
        assert key_file.public_key == signers.SoftwareKey(ModuleSigner.key).public_key
        assert bytes.fromhex(signature.key.public_key) == key_file.public_key
        assert check_signature(Signature.objects.get(pk=signature.pk)) == SignatureState.VALID
        # What the key file's own key signed before stays valid while the file holds it.
        assert check_signature(older) == SignatureState.VALID


def test_a_signer_without_the_files_sm2_key_trusts_only_its_own_and_the_retired(demo, tmp_path):
    assessment = Assessment.objects.filter(status=Assessment.Status.SIGNED_OFF).first()
    older = assessment.signatures.get()
    services.void_signatures(assessment, by=None, reason="重新签发")
    with override_settings(
        SIGNING_KEY_FILE=file_without_sm2_key(tmp_path),
        SIGNER_BACKEND="tests.test_signers.ModuleSigner",
    ):
        key_file = keys.load_key_file()
        assert key_file.private_key is None
        assert key_file.trusted == {key_file.public_key}
        signature = signing.record_signature(assessment)
        assert check_signature(Signature.objects.get(pk=signature.pk)) == SignatureState.VALID
        assert check_signature(older) == SignatureState.FORGED


def test_a_signer_that_does_not_answer_refuses_the_sign_off_with_its_message(demo, tmp_path):
    assessment = Assessment.objects.filter(status=Assessment.Status.SIGNED_OFF).first()
    count = Signature.objects.count()
    with (
        override_settings(
            SIGNING_KEY_FILE=file_without_sm2_key(tmp_path),
            SIGNER_BACKEND="tests.test_signers.UnreachableSigner",
        ),
        pytest.raises(services.AssessmentError, match="签名服务器没有响应"),
    ):
        services.sign(assessment, by=None)
    assert Signature.objects.count() == count


# ---------------------------------------------------------------------------
# The PDF signature with a certificate from the installation's CA


def certificate(subject, key, issuer=None, issuer_key=None, *, ca):
    now = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    issuer_name = issuer.subject if issuer is not None else name
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(issuer_key or key, hashes.SHA256())
    )


def pem(certificate_or_key):
    if isinstance(certificate_or_key, x509.Certificate):
        return certificate_or_key.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return certificate_or_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def test_a_pdf_signed_with_a_certificate_from_the_installations_ca_is_trusted_by_that_ca(
    tmp_path,
):
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = certificate("某区财政局 CA", root_key, ca=True)
    own_key = ec.generate_private_key(ec.SECP256R1())
    own = certificate("某区财政局 绩效自评", own_key, root, root_key, ca=False)
    path = tmp_path / "ca.pem"
    # As a CA's PKCS#12 export lists them: the CA's certificate before the installation's own.
    path.write_text(
        keys._pem("SM2 PRIVATE KEY", STANDARD_PRIVATE_KEY) + pem(own_key) + pem(root) + pem(own),
        encoding="ascii",
    )
    document = BytesIO()
    with pikepdf.new() as blank:
        blank.add_blank_page()
        blank.save(document)
    with override_settings(SIGNING_KEY_FILE=path):
        content = pdf_signature.sign_pdf(document.getvalue())

    status = pdf_signature.validate_pdf(content, pem(root).encode("ascii"))
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.signing_cert.subject.native["common_name"] == "某区财政局 绩效自评"
    # The self-signed certificate that create_signing_key makes is no anchor for it.
    other = pdf_signature.validate_pdf(content, keys.load_key_file().pdf_cert_pem)
    assert other.intact and not other.trusted and not other.bottom_line
