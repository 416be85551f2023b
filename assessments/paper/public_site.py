"""The public pages of 公开 (/gongkai/), served live or written as static files.

The live pages and the static export are the same HTML: links between them are relative, and
only a directory's own page is named differently (`1/` live, `1/index.html` on disk). Nothing
here needs a login or reads anything but published publications and their signed tables.
"""

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.db.models import Count
from django.template.loader import render_to_string
from django.templatetags.static import static

from ..models import Publication, Signature
from . import publication as paper
from .printable import verify_url

PDF_NAME = "publication.pdf"
DATA_NAME = "data.json"


class LiveLinks:
    """Links as the application serves the pages under /gongkai/."""

    index_from_publication = "../"
    publication_from_table = "./"
    pdf_from_table = "publication.pdf"

    @property
    def stylesheet_from_index(self) -> str:
        return static(paper.STYLESHEET)

    @property
    def stylesheet_from_publication(self) -> str:
        return static(paper.STYLESHEET)

    def publication_from_index(self, publication: Publication) -> str:
        return f"{publication.pk}/"


class PreviewLinks(LiveLinks):
    """Links of a table's preview for the department (before it is published)."""

    publication_from_table = "../"
    pdf_from_table = "../preview.pdf"


class StaticLinks(LiveLinks):
    """Links between the exported files (a directory's page is its index.html)."""

    index_from_publication = "../index.html"
    publication_from_table = "index.html"
    stylesheet_from_index = "public.css"
    stylesheet_from_publication = "../public.css"

    def publication_from_index(self, publication: Publication) -> str:
        return f"{publication.pk}/index.html"


def pdf_name(publication: Publication) -> str:
    return (
        paper.basename(publication.department.name, publication.year.year, publication.version)
        + ".pdf"
    )


def quoted_data_name(publication: Publication) -> str:
    name = paper.basename(publication.department.name, publication.year.year, publication.version)
    return quote(name + ".json")


@dataclass
class Row:
    """A table as the publication's page lists it."""

    position: int
    project: str
    unit: str
    page: str
    verify: str
    signature_id: int


def rows_of(signatures: list[Signature]) -> list[Row]:
    rows = []
    for position, signature in enumerate(signatures, start=1):
        snapshot = signature.snapshot if isinstance(signature.snapshot, dict) else {}
        rows.append(
            Row(
                position,
                str(snapshot.get("project", "")),
                str(snapshot.get("unit", "")),
                f"table-{position:02d}.html",
                verify_url(signature.content_hash),
                signature.pk,
            )
        )
    return rows


def published_publications() -> list[Publication]:
    """Every published version, by department and year, newest version first."""
    return list(
        Publication.objects.published()
        .for_listing()
        .select_related("corrected_by")
        .annotate(table_count=Count("items"))
        .order_by("department__name", "-year__year", "-version")
    )


def index_html(links: LiveLinks) -> str:
    groups: dict[tuple[str, int], list[Publication]] = {}
    for publication in published_publications():
        groups.setdefault((publication.department.name, publication.year.year), []).append(
            publication
        )
    entries = [
        {
            "department": department,
            "year": year,
            "versions": [(p, links.publication_from_index(p)) for p in versions],
        }
        for (department, year), versions in groups.items()
    ]
    return render_to_string(
        "public/index.html", {"entries": entries, "stylesheet": links.stylesheet_from_index}
    )


def superseded_by(publication: Publication) -> Publication | None:
    correction = getattr(publication, "corrected_by", None)
    return correction if correction is not None and correction.is_published else None


def publication_html(publication: Publication, links: LiveLinks) -> str:
    signatures = paper.item_signatures(publication)
    return render_to_string(
        "public/publication.html",
        {
            "publication": publication,
            "rows": rows_of(signatures),
            "index_url": links.index_from_publication,
            "pdf_url": PDF_NAME,
            "data_url": DATA_NAME,
            "kind": paper.TABLE_KIND,
            "superseded_by": superseded_by(publication),
            "stylesheet": links.stylesheet_from_publication,
        },
    )


def table_page(
    publication: Publication, signature: Signature, position: int, links: LiveLinks
) -> str:
    table = paper.published_tables([signature], print_names=publication.print_names)[0]
    table.position = position
    return paper.table_html(
        table,
        department=publication.department.name,
        year=publication.year.year,
        index_url=links.publication_from_table,
        pdf_url=links.pdf_from_table,
        stylesheet=links.stylesheet_from_publication,
    )


def export(directory: Path) -> list[Path]:
    """Every published publication as static files: index.html, then per publication its
    page, its tables' pages, its PDF and its data file. Returns the files written."""
    links = StaticLinks()
    directory.mkdir(parents=True, exist_ok=True)
    written = [directory / "index.html", directory / "public.css"]
    written[0].write_text(index_html(links), encoding="utf-8")
    paper.copy_stylesheet(written[1])
    for publication in published_publications():
        folder = directory / str(publication.pk)
        folder.mkdir(exist_ok=True)
        signatures = paper.item_signatures(publication)
        page = folder / "index.html"
        page.write_text(publication_html(publication, links), encoding="utf-8")
        written.append(page)
        for position, signature in enumerate(signatures, start=1):
            table = folder / f"table-{position:02d}.html"
            table.write_text(table_page(publication, signature, position, links), encoding="utf-8")
            written.append(table)
        pdf = folder / PDF_NAME
        with paper.stored_publication_pdf(publication).open("rb") as stored:
            pdf.write_bytes(stored.read())
        data = folder / DATA_NAME
        data.write_text(paper.data_file(signatures), encoding="utf-8")
        written += [pdf, data]
    return written
