"""公开审核: what the approver of a publication signs (which signed tables, in which order, how
they print) and the check of that signature, with the key that signs a sign-off."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ..models import Publication, Signature, SigningKey
from . import keys, signing

APPROVAL_PREFIX = b"jixiao-publication-approval/1\n"


def approved_content(
    publication: Publication,
    signatures: Sequence[Signature],
    *,
    approved_by_id: int,
    approved_at: datetime,
) -> dict[str, Any]:
    """What the approver signs: which signed tables, in which order, and how they print."""
    return {
        "publication": publication.pk,
        "department": publication.department.name,
        "year": publication.year.year,
        "version": publication.version,
        "replaces": publication.replaces_id,
        "print_names": publication.print_names,
        "tables": [{"signature": s.pk, "content_hash": s.content_hash} for s in signatures],
        "approved_by": approved_by_id,
        "approved_at": approved_at.astimezone(UTC).isoformat(),
    }


def approval_message(content: dict[str, Any]) -> bytes:
    return APPROVAL_PREFIX + signing.canonical_bytes(content)


def sign_approval(content: dict[str, Any]) -> tuple[str, SigningKey, str]:
    """(content hash, key row, SM2 signature) of an approval; raises keys.SigningKeyMissing."""
    key_file, key_row = signing.current_key()
    return signing.content_hash(content), key_row, keys.sign(approval_message(content), key_file)


def check_approval(publication: Publication) -> tuple[bool, str]:
    """Whether the stored approval is what was approved, by a key the key file trusts."""
    if publication.decided_by_id is None or publication.decided_at is None:
        return False, "尚未批准"
    content = approved_content(
        publication,
        item_signatures(publication),
        approved_by_id=publication.decided_by_id,
        approved_at=publication.decided_at,
    )
    if signing.content_hash(content) != publication.content_hash:
        return False, "公开的内容与批准时的内容不符"
    key = publication.key
    if key is None or not publication.value:
        return False, "批准没有签名"
    try:
        trusted = keys.load_key_file().trusted
    except keys.SigningKeyMissing:
        return False, "服务器没有签名密钥文件，无法核验批准的签名"
    public_key = bytes.fromhex(key.public_key)
    if public_key not in trusted:
        return False, "批准的签名公钥不是密钥文件信任的公钥"
    if not keys.verify(approval_message(content), publication.value, public_key):
        return False, "批准的 SM2 签名无效"
    return True, ""


def item_signatures(publication: Publication) -> list[Signature]:
    """The signatures the publication names, in its order."""
    items = publication.items.select_related("signature__key").order_by("position")
    return [item.signature for item in items]
