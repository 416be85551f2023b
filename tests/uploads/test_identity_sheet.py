"""A hidden identity sheet altered by hand: refused (its keyed hash no longer matches; in a
workbook from before the hash, as not a fillable workbook), never a 500."""

import pytest

from assessments.paper import fillable

from .helpers import download, refused, unit_upload

NOT_FILLABLE = (
    "这不是本系统下载的填报表（找不到表格标识）。请在自评表页面点“下载填报表”，"
    "在下载的文件中填写后再上传。"
)


IDENTITY_CHANGED = "填报表的标识信息被改动，无法识别，请重新下载填报表。"


def _rows(book, kind):
    return [row for row in book[fillable.META_SHEET].iter_rows() if row[1].value == kind]


def _downloaded_before_the_hash(book):
    """The workbook as downloaded before the identity sheet carried its keyed hash."""
    book[fillable.META_SHEET]["C1"] = None
    return book


@pytest.mark.parametrize(
    "key",
    ["indicators.1.bonus", "funds.total.executed", "outcome.extra", "", 42],
)
def test_an_unknown_key_is_refused(client_in, draft, key):
    book = _downloaded_before_the_hash(download(client_in, draft))
    _rows(book, fillable.OPEN)[0][3].value = key
    assert refused(client_in, draft, book) == [NOT_FILLABLE]


@pytest.mark.parametrize("kind", [fillable.OPEN, fillable.LOCKED, fillable.FORMULA])
@pytest.mark.parametrize("address", ["NOT-A-CELL", "A0", "XFD1048577", "a1", " F7", 7])
def test_an_address_that_is_not_a_cell_of_the_table_is_refused(client_in, draft, kind, address):
    book = _downloaded_before_the_hash(download(client_in, draft))
    _rows(book, kind)[0][2].value = address
    assert refused(client_in, draft, book) == [NOT_FILLABLE]


@pytest.mark.parametrize(
    ("column", "value"),
    [(2, "第一张"), (3, "1e99999999"), (3, 2023.5), (4, None), (4, True), (2, "-1")],
)
def test_an_identity_that_is_not_a_whole_number_is_refused(client_in, draft, column, value):
    book = _downloaded_before_the_hash(download(client_in, draft))
    _rows(book, fillable.TABLE)[0][column].value = value
    assert refused(client_in, draft, book) == [NOT_FILLABLE]


def test_an_identity_saved_as_a_float_by_a_spreadsheet_still_reads(client_in, draft):
    book = download(client_in, draft)
    table = _rows(book, fillable.TABLE)[0]
    table[2].value, table[3].value = float(table[2].value), float(table[3].value)
    book["绩效自评表"]["F7"] = 1
    response = unit_upload(client_in, book)
    assert response.status_code == 302, response.context["problems"]


def test_an_unknown_key_in_the_unit_workbook_is_refused(client_in, draft):
    book = _downloaded_before_the_hash(download(client_in, draft))
    _rows(book, fillable.OPEN)[-1][3].value = "indicators.x.score"
    response = unit_upload(client_in, book)
    assert response.status_code == 200
    assert response.context["problems"] == [NOT_FILLABLE]


@pytest.mark.parametrize(
    ("kind", "column", "value"),
    [
        (fillable.TABLE, 4, 999),  # the version downloaded, set to pass as current
        (fillable.OPEN, 4, "99"),  # a downloaded value, so a change would look like none
        (fillable.LOCKED, 4, "改过的指标值"),  # a locked cell's record, to match an edit
    ],
)
def test_an_identity_sheet_unhidden_and_edited_is_refused_by_its_hash(
    client_in, draft, kind, column, value
):
    book = download(client_in, draft)
    meta = book[fillable.META_SHEET]
    assert isinstance(meta["C1"].value, str) and len(meta["C1"].value) == 64
    meta.sheet_state = "visible"
    _rows(book, kind)[0][column].value = value
    assert refused(client_in, draft, book) == [IDENTITY_CHANGED]


def test_an_identity_sheet_only_unhidden_still_uploads(client_in, draft):
    book = download(client_in, draft)
    book[fillable.META_SHEET].sheet_state = "hidden"  # what LibreOffice's .xls makes of it
    book["绩效自评表"]["F7"] = 1
    response = unit_upload(client_in, book)
    assert response.status_code == 302, response.context["problems"]


def test_a_workbook_downloaded_before_the_hash_still_uploads(client_in, draft):
    book = _downloaded_before_the_hash(download(client_in, draft))
    book["绩效自评表"]["F7"] = 1
    response = unit_upload(client_in, book)
    assert response.status_code == 302, response.context["problems"]
