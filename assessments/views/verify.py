"""The public verification page: does a content hash belong to a signed version?"""

import re

from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from ..forms import HASH_RE, VerifyForm
from ..models import Signature
from ..paper.signing import SignatureState, check_signature


@require_GET
def verify_form(request):
    form = VerifyForm(request.GET if "content_hash" in request.GET else None)
    if form.is_valid():
        return redirect("verify:hash", form.cleaned_data["content_hash"])
    return render(request, "assessments/verify.html", {"form": form})


@require_GET
def verify_hash(request, content_hash):
    normalized = re.sub(r"\s+", "", content_hash).lower()
    if normalized != content_hash and HASH_RE.match(normalized):
        return redirect("verify:hash", normalized)
    signatures = []
    if HASH_RE.match(content_hash):
        signatures = list(
            Signature.objects.filter(content_hash=content_hash)
            .with_number()
            .select_related("assessment__project__unit", "assessment__year", "signed_by", "key")
            .order_by("signed_at", "pk")
        )
    for signature in signatures:
        signature.state = check_signature(signature)
        signature.genuine = signature.state in (SignatureState.VALID, SignatureState.HASH_ONLY)
    context = {
        "form": VerifyForm(initial={"content_hash": content_hash}),
        "content_hash": content_hash,
        "signatures": signatures,
        "is_valid": any(s.is_valid and s.genuine for s in signatures),
        "is_forged": any(s.state == SignatureState.FORGED for s in signatures),
        "is_unchecked": any(s.state == SignatureState.UNCHECKED for s in signatures),
    }
    return render(request, "assessments/verify.html", context, status=200 if signatures else 404)
