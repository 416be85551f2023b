"""The public verification page: does a content hash belong to a signed version?

It shows only what the signed paper itself shows (project, unit, year, when it was signed)
and the state of each signing: never a reason, a comment or a person's name.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from .. import kinds, throttle
from ..forms import HASH_RE, VerifyForm
from ..models import ReviewSignature, Signature
from ..signin import client_address
from ..trust import review_signing, signing

STATE_LABELS = {
    "valid": "有效",
    # Signed before keys were introduced (the cut-over's list): only the hash is checked.
    "legacy": "旧版签发（仅摘要）",
    "voided": "已作废",
    "mismatch": "签名无效：与签发内容不符",
    "unchecked": "无法核验",
}


@dataclass(frozen=True)
class Signing:
    """One signing as the public may see it: the paper's header and the signing's state."""

    project: str
    unit: str
    year: int
    signed_at: datetime
    state: str
    # The kind of the signed table, for its words (自评表 · 签发, 目标表 · 批准, 复核表).
    kind: kinds.TableKind
    # What the kind shows beyond project, unit and year (a 复核表: the table reviewed and
    # both scores), as (label, text).
    lines: list[tuple[str, str]] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def signing_state(
    signature: Signature | ReviewSignature,
    check: Callable[..., signing.SignatureState] = signing.check_signature,
) -> str:
    """valid, legacy (in force, signed before keys: only its hash checked), voided, mismatch
    when the row is not what was signed (its hash or its SM2 signature fails, the key is not
    trusted, or a row without a key is not one the cut-over recorded), unchecked without the
    key file."""
    state = check(signature)
    if state == signing.SignatureState.FORGED:
        return "mismatch"
    if state == signing.SignatureState.UNCHECKED:
        return "unchecked"
    if not signature.is_valid:
        return "voided"
    return "legacy" if state == signing.SignatureState.HASH_ONLY else "valid"


def public_signing(
    signature: Signature | ReviewSignature,
    check: Callable[..., signing.SignatureState] = signing.check_signature,
) -> Signing:
    snapshot = signature.snapshot if isinstance(signature.snapshot, dict) else {}
    kind = signed_kind(snapshot)
    return Signing(
        project=str(snapshot.get("project", "")),
        unit=str(snapshot.get("unit", "")),
        year=snapshot.get("year", ""),
        signed_at=signature.signed_at,
        state=signing_state(signature, check),
        kind=kind,
        lines=kind.verify_lines(snapshot),
    )


def signed_kind(snapshot: dict) -> kinds.TableKind:
    """The kind a snapshot names (a table's or a signed sheet's); a snapshot without `kind`
    is of the default kind."""
    return kinds.signed(snapshot.get("kind", kinds.DEFAULT))


def _limited(request):
    if throttle.allow(
        "verify-address", client_address(request) or "", settings.VERIFY_LIMIT_PER_ADDRESS
    ):
        return None
    return throttle.too_many_requests(request, retry_after=settings.VERIFY_LIMIT_PER_ADDRESS[1])


@require_GET
def verify_form(request):
    if refused := _limited(request):
        return refused
    form = VerifyForm(request.GET if "content_hash" in request.GET else None)
    if form.is_valid():
        return redirect("verify:hash", form.cleaned_data["content_hash"])
    return render(request, "assessments/verify.html", {"form": form})


@require_GET
def verify_hash(request, content_hash):
    normalized = re.sub(r"\s+", "", content_hash).lower()
    if normalized != content_hash and HASH_RE.match(normalized):
        return redirect("verify:hash", normalized)
    if refused := _limited(request):
        return refused
    signings = []
    if HASH_RE.match(content_hash):
        signings = [
            public_signing(signature)
            for signature in Signature.objects.filter(content_hash=content_hash)
            .select_related("key")
            .order_by("signed_at", "pk")
        ] + [
            public_signing(signature, review_signing.check_signature)
            for signature in ReviewSignature.objects.filter(content_hash=content_hash)
            .select_related("key")
            .order_by("signed_at", "pk")
        ]
    context = {
        "form": VerifyForm(initial={"content_hash": content_hash}),
        "content_hash": content_hash,
        "signings": signings,
        "is_valid": any(s.state == "valid" for s in signings),
        "is_legacy": any(s.state == "legacy" for s in signings),
        "is_forged": any(s.state == "mismatch" for s in signings),
        "is_unchecked": any(s.state == "unchecked" for s in signings),
        # One content hash is one content, so one kind: its words for the verdict.
        "kind": signings[0].kind if signings else kinds.default(),
    }
    return render(request, "assessments/verify.html", context, status=200 if signings else 404)
