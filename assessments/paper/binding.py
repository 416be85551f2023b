"""Binding PDFs into one book with pikepdf: the tables' own pages, unchanged, in order.

Each table's pages are copied as they are (a signed table's are the stored signed copy's),
the book's page number is laid over each of them, and the outline gets an entry per table.
Copying keeps each page's content streams byte for byte: the number is a form drawn after
them, inside its own graphics state.
"""

import io
from collections.abc import Sequence

import pikepdf


def page_count(content: bytes) -> int:
    with pikepdf.open(io.BytesIO(content)) as document:
        return len(document.pages)


def stamp_over(book: pikepdf.Pdf, page: pikepdf.Page, form: pikepdf.Object) -> None:
    """Draw `form` over the page, leaving the page's own content streams as they are: they
    become the middle of the page's list of streams, inside a saved graphics state."""
    name = page.add_resource(form, pikepdf.Name.XObject, prefix="BookPage")
    contents = page.obj.get("/Contents")
    own = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    before = book.make_stream(b"q\n")
    after = book.make_stream(b"\nQ\nq " + str(name).encode() + b" Do Q\n")
    page.obj.Contents = pikepdf.Array([before, *own, after])


def bind(front: bytes, front_pages: int, tables: Sequence[bytes], titles: Sequence[str]) -> bytes:
    """One PDF: the front matter, then every table.

    `front` holds the front matter's `front_pages` pages (numbered already), then one page
    per table page whose only mark is the book's page number: each is laid over its table
    page and then dropped.
    """
    book = pikepdf.open(io.BytesIO(front))
    opened = []
    entries = []
    try:
        stamps = [book.make_indirect(page.as_form_xobject()) for page in book.pages[front_pages:]]
        del book.pages[front_pages:]
        for title, content in zip(titles, tables, strict=True):
            source = pikepdf.open(io.BytesIO(content))
            opened.append(source)
            entries.append((title, len(book.pages)))
            # The copies' signature fields stay with the signed files: the book itself is
            # not signed, and a viewer would report the fields' signatures as broken here.
            book.add_pages_from(source, forms="strip", outlines="ignore")
        if len(stamps) != len(book.pages) - front_pages:
            raise ValueError("页码页数与各表页数之和不符。")
        for page, stamp in zip(book.pages[front_pages:], stamps, strict=True):
            stamp_over(book, page, stamp)
        with book.open_outline() as outline:
            outline.root.extend(pikepdf.OutlineItem(title, index) for title, index in entries)
        output = io.BytesIO()
        book.save(output)
        return output.getvalue()
    finally:
        for source in opened:
            source.close()
        book.close()
