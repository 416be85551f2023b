"""LibreOffice, headless: the fillable workbook prints, and comes back as a legacy .xls.

These tests need LibreOffice Calc (Debian's libreoffice-calc-nogui, installed by `make install`
and CI); without it they fail, not skip.
"""

import io
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest
import xlrd

from assessments.paper import fillable

from .helpers import (
    address,
    download,
    preview_page,
    row_key,
    saved,
    upload,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def soffice():
    path = shutil.which("soffice")
    if path is None:
        pytest.fail("soffice is missing: install Debian's libreoffice-calc-nogui (make install).")
    return path


def convert(soffice, source, fmt, tmp_path):
    """LibreOffice's headless conversion, with a profile of its own so runs do not collide."""
    out = tmp_path / "out"
    result = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--convert-to",
            fmt,
            "--outdir",
            str(out),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    converted = out / f"{source.stem}.{fmt.split(':')[0]}"
    assert converted.exists(), result.stdout + result.stderr
    return converted


def test_libreoffice_prints_the_fillable_workbook_with_its_formulas_computed(
    client_in, draft, soffice, tmp_path, artifacts
):
    source = tmp_path / "fillable.xlsx"
    source.write_bytes(saved(download(client_in, draft)))
    pdf = convert(soffice, source, "pdf", tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert "Pages:           1" in info.stdout
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "财政项目支出绩效自评表（填报用）" in text
    assert "就业援助" in text and "建立健全" in text
    # 执行率, the budget score and 总分 come from the formulas, computed by LibreOffice.
    assert "100.00%" in text
    assert "99" in text.split("总分")[1].split("\n")[0]  # 50 + 30 + 9 + 10
    shutil.copy(pdf, artifacts / "fillable-libreoffice.pdf")
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(pdf), str(artifacts / "fillable-libreoffice")],
        check=True,
    )


def test_a_workbook_saved_as_xls_by_libreoffice_is_read_with_xlrd_and_uploaded(
    client_in, draft, soffice, tmp_path
):
    book = download(client_in, draft)
    sheet = book["绩效自评表"]
    sheet["F7"] = "=4000+5500"  # a formula: LibreOffice saves its result
    sheet[address(book, row_key(draft, 1, "score"))] = 45
    sheet[address(book, row_key(draft, 1, "reason"))] = "少完成10件。"
    sheet[address(book, row_key(draft, 3, "grade"))] = "部分达成年度指标并具有一定效果"
    sheet[address(book, row_key(draft, 3, "score"))] = 7
    source = tmp_path / "filled.xlsx"
    source.write_bytes(saved(book))
    xls = convert(soffice, source, "xls", tmp_path)

    legacy = xlrd.open_workbook(str(xls))
    assert legacy.sheet_names() == ["绩效自评表", fillable.META_SHEET]
    # .xls has no "very hidden": the identity sheet comes back hidden, its keyed hash intact
    assert legacy.sheet_by_name(fillable.META_SHEET).visibility in (1, 2)
    assert len(legacy.sheet_by_name(fillable.META_SHEET).cell_value(0, 2)) == 64
    assert legacy.sheet_by_name("绩效自评表").cell_value(6, 5) == 9500  # F7
    assert legacy.sheet_by_name("绩效自评表").cell_value(15, 7) == 9.5 + 45 + 30 + 7  # 总分 H16

    location, page = preview_page(client_in, upload(client_in, draft, xls.read_bytes(), "旧版.xls"))
    assert "F7" in page and "H13" in page and "J15" in page and "H15" in page
    client_in.post(location)
    draft.refresh_from_db()
    assert draft.current_executed == Decimal("9500.00")
    assert draft.indicators.get(position=1).score == Decimal("45")
    third = draft.indicators.get(position=3)
    assert (third.grade, third.score) == ("partial", Decimal("7"))
    assert draft.total_score == Decimal("91.50")


def test_a_formula_saved_by_libreoffice_as_xlsx_carries_its_result(
    client_in, draft, soffice, tmp_path
):
    book = download(client_in, draft)
    book["绩效自评表"]["F7"] = "=4000+5000"
    source = tmp_path / "formula.xlsx"
    source.write_bytes(saved(book))
    resaved = convert(soffice, source, "xlsx:Calc MS Excel 2007 XML", tmp_path)
    # Saved by LibreOffice, the workbook keeps its protection and its hidden sheet.
    reopened = openpyxl.load_workbook(io.BytesIO(resaved.read_bytes()))
    assert reopened["绩效自评表"].protection.sheet
    assert reopened[fillable.META_SHEET].sheet_state in ("hidden", "veryHidden")
    location, _ = preview_page(client_in, upload(client_in, draft, resaved.read_bytes()))
    client_in.post(location)
    draft.refresh_from_db()
    assert draft.current_executed == Decimal("9000.00")
