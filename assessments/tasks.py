"""Background tasks (Django's tasks framework; `manage.py db_worker` runs them)."""

from django.tasks import task

from .paper import books


@task()
def build_book(book_id):
    """Build the 合订本 with this id; returns the stored file's name."""
    return books.build(book_id)


@task()
def build_filing_package(filing_id):
    """Build a filing's package (the book of its signed copies and its summary workbook)."""
    from .paper import filing

    filing.build_package(filing_id)
