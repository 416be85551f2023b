"""Files made to exhaust the server: refused from what they declare, read in a child held to
limits, and the unit upload asks who is uploading before it reads anything."""

import datetime
import time

import pytest
from django.urls import reverse

from assessments.services import uploads, workbook_reader

from ..factories import UserFactory, member
from .crafted import far_cell, sparse_xls, zip_bomb
from .helpers import download, refused, unit_upload

TOO_LARGE = "文件过大或结构异常，无法读取；请用系统下载的填报表填写后上传。"


def _rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def test_a_cell_at_the_last_row_and_column_is_refused(client_in, draft):
    book = download(client_in, draft)
    assert refused(client_in, draft, far_cell(book)) == [TOO_LARGE]


def test_a_zip_bomb_is_refused_from_its_declared_size(client_in, draft):
    data = zip_bomb(300, download(client_in, draft))
    assert len(data) < 1024 * 1024
    assert refused(client_in, draft, data) == [TOO_LARGE]


def test_an_xls_with_sheets_as_large_as_the_format_allows_is_refused(client_in, draft):
    assert refused(client_in, draft, sparse_xls(), "旧版.xls") == [TOO_LARGE]


def test_an_xls_within_the_bounds_is_read():
    grids = workbook_reader.read(sparse_xls(sheets=2, rows=3, columns=4), uploads.BOUNDS)
    assert {title: grid.cells for title, grid in grids.items()} == {
        "Sheet1": {"D3": True},
        "Sheet2": {"D3": True},
    }


def test_a_child_out_of_memory_is_refused_and_the_server_does_not_grow(
    client_in, draft, monkeypatch
):
    def greedy(data, bounds):
        kept = []
        while True:
            kept.append(bytearray(64 * 1024 * 1024))

    monkeypatch.setattr(workbook_reader, "read_in_process", greedy)
    monkeypatch.setattr(workbook_reader, "MEMORY_ALLOWANCE", 256 * 1024 * 1024)
    before = _rss_kb()
    assert refused(client_in, draft, download(client_in, draft)) == [TOO_LARGE]
    assert _rss_kb() - before < 100 * 1024


def test_a_child_past_its_time_is_killed(monkeypatch):
    def stuck(data, bounds):
        time.sleep(60)

    monkeypatch.setattr(workbook_reader, "read_in_process", stuck)
    monkeypatch.setattr(workbook_reader, "WALL_SECONDS", 0.5)
    reading = workbook_reader.Reading()
    with pytest.raises(uploads.UploadRefused) as refusal:
        uploads.read_workbook(far_cell(), reading)
    assert refusal.value.problems == [TOO_LARGE]
    assert reading.outcome == "child ended by SIGKILL"


def test_a_child_past_its_processor_time_is_ended(monkeypatch):
    def busy(data, bounds):
        while True:
            pass

    monkeypatch.setattr(workbook_reader, "read_in_process", busy)
    monkeypatch.setattr(workbook_reader, "CPU_SECONDS", 1)
    reading = workbook_reader.Reading()
    with pytest.raises(uploads.UploadRefused) as refusal:
        uploads.read_workbook(far_cell(), reading)
    assert refusal.value.problems == [TOO_LARGE]
    assert reading.outcome in ("child ended by SIGXCPU", "child ended by SIGKILL")


def test_the_unit_upload_asks_who_uploads_before_reading_the_file(client, draft, monkeypatch):
    reviewer = member(UserFactory(username="reviewer"), draft.project.unit, "reviewer")
    client.force_login(reviewer)
    read = []
    monkeypatch.setattr(workbook_reader, "read", lambda *args: read.append(args))
    assert client.get(reverse("assessments:unit_upload")).status_code == 403
    assert unit_upload(client, zip_bomb(10)).status_code == 403
    assert read == []


def test_a_preparer_reaches_the_unit_upload(client_in, draft):
    response = unit_upload(client_in, zip_bomb(10))
    assert response.status_code == 200
    assert response.context["problems"] == [TOO_LARGE]


def test_values_keep_their_kind_between_the_child_and_the_server():
    values = {
        "A1": "文字",
        "A2": 12345.678,
        "A3": 10**15,
        "A4": True,
        "A5": datetime.datetime(2023, 12, 31, 8, 30),
        "A6": datetime.date(2023, 12, 31),
        "A7": datetime.time(8, 30),
        "A8": datetime.timedelta(hours=36),
    }
    grid = workbook_reader.Grid(values, {"B1": "=SUM(A1:A2)"}, {"B1"})
    assert workbook_reader.decode(workbook_reader.encode({"表": grid})) == {"表": grid}
