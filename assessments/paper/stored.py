"""The PDFs of signed tables as stored, and of many tables at once: a signed version is
rendered once, right after the sign-off, and later downloads serve the stored file byte for
byte; a draft's PDF is kept while it prints the same (paper.draft_copies); the others are
laid out by paper.pool's workers.

WeasyPrint (paper.pdf) is imported only when this process lays a table out itself: a
command that exports drafts leaves the layout to the workers and starts without it.
"""

import hashlib
import logging
from collections.abc import Callable, Sequence
from typing import cast

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models.fields.files import FieldFile

from ..models import Assessment, Signature
from . import draft_copies, pool
from .printable import Printable, printable, signed_printable

logger = logging.getLogger(__name__)


def render_pdf(item: Printable) -> bytes:
    """paper.pdf.render_pdf, imported when first called (here or in a worker)."""
    from .pdf import render_pdf

    return render_pdf(item)


def stored_name(signature: Signature) -> str:
    """`<signature id>-<hash12>.pdf`: ASCII and short, under signed/<year>/ (upload_to); the
    Chinese name goes only into the download's header."""
    return f"{signature.pk}-{signature.content_hash[:12]}.pdf"


def store_signed_pdf(signature: Signature, laid_out: bytes | None = None) -> FieldFile:
    """Render the signed version once and keep it in signature.pdf (Django's storage);
    `laid_out`: its PDF as paper.pdf.render_pdf wrote it, when laid out already."""
    from ..trust import pdf_signature  # signing, like laying out, only when there is a PDF

    if laid_out is None:
        laid_out = render_pdf(signed_printable(signature))
    content = pdf_signature.sign_pdf(laid_out)
    signature.pdf.save(stored_name(signature), ContentFile(content), save=False)
    # The file's own hash, so a restore drill can tell a stored copy that was changed.
    signature.pdf_sha256 = hashlib.sha256(content).hexdigest()
    Signature.objects.filter(pk=signature.pk).update(
        pdf=signature.pdf.name, pdf_sha256=signature.pdf_sha256
    )
    return signature.pdf


def store_signed_pdfs(signatures: Sequence[Signature]) -> None:
    """store_signed_pdf() for each of these signed versions, laid out several at a time
    (paper.pool): signed tables that came without their PDF (generated, or restored without
    the files)."""
    items = (signed_printable(signature) for signature in signatures)
    laid = pool.lay_out_many(items, len(signatures), render=render_pdf)
    for signature, content in zip(signatures, laid, strict=True):
        store_signed_pdf(signature, content)


def _is_stored(field: FieldFile) -> bool:
    # A field that holds a file has its name.
    return bool(field) and field.storage.exists(cast(str, field.name))


def stored_signed_pdf(signature: Signature) -> FieldFile:
    """The stored signed PDF, storing it first when an older signature has none yet.

    A file lost from the storage is rendered again from the signed snapshot (same content)
    rather than failing the download; the loss is logged.
    """
    if _is_stored(signature.pdf):
        return signature.pdf
    with transaction.atomic():
        locked = Signature.objects.select_for_update().get(pk=signature.pk)
        if not _is_stored(locked.pdf):
            if locked.pdf:
                logger.warning("Signed PDF %s is missing from the storage", locked.pdf.name)
            store_signed_pdf(locked)
        signature.pdf = locked.pdf
    return signature.pdf


def draft_pdf(item: Printable) -> bytes:
    """A table's PDF as it is now (not signed): kept from the last time it printed the same
    (paper.draft_copies), else laid out in this process and kept."""
    name = draft_copies.key(item)
    content = draft_copies.kept(name)
    if content is None:
        content = render_pdf(item)
        draft_copies.keep(name, content)
    return content


def table_pdfs(
    assessments: Sequence[Assessment],
    *,
    progress: Callable[[int, int], object] | None = None,
    signatures: Sequence[Signature | None] | None = None,
) -> list[bytes]:
    """Each table's PDF, in order: the stored copy of a signed table as it was stored, a
    draft's kept PDF when it prints the same as then (paper.draft_copies), the others laid
    out several at a time (paper.pool); `progress(done, total)` as they come.
    `signatures`: each table's signature in force, when the caller has read them already."""
    if signatures is None:
        signatures = Signature.objects.in_force(assessments)
    total = len(assessments)
    contents: list[bytes] = [b""] * total
    waiting: list[tuple[int, str, Printable]] = []
    done = 0
    for index, signature in enumerate(signatures):
        if signature is None:
            item = printable(assessments[index])
            name = draft_copies.key(item)
            content = draft_copies.kept(name)
            if content is None:
                waiting.append((index, name, item))
                if len(waiting) == pool.POOL_FROM:
                    pool.start()  # its server loads the layout while the rest are read
                continue
        else:
            with stored_signed_pdf(signature).open("rb") as stored:
                content = stored.read()
        contents[index] = content
        done += 1
        if progress:
            progress(done, total)
    ready = done

    def laid_out(count: int, _: int) -> None:
        if progress:
            progress(ready + count, total)

    items = (item for _, _, item in waiting)
    laid = pool.lay_out_many(items, len(waiting), render=render_pdf, progress=laid_out)
    for (index, name, _), content in zip(waiting, laid, strict=True):
        contents[index] = content
        draft_copies.keep(name, content)
    return contents
