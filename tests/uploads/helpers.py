"""What the upload tests share: the clerk's download, her filling and her upload."""

import io
import json

import openpyxl
from django.core.management import call_command
from django.urls import reverse

from assessments.interchange import assessment_record
from assessments.models import Assessment
from assessments.paper import fillable

QUALITATIVE_ROWS = [
    ("产出指标", "数量指标", "完成数量", "=100件", "=100件", "50", "50"),
    ("效益指标", "社会效益指标", "覆盖率", ">=95%", "=98%", "30", "30"),
    ("满意度指标", "服务对象满意度指标", "制度建设", "建立健全", "已建立", "10", "9"),
]


def stored(assessment):
    """Everything stored about the table, to prove that a refused upload changed nothing."""
    assessment = Assessment.objects.get(pk=assessment.pk)
    record = json.dumps(assessment_record(assessment), ensure_ascii=False, sort_keys=True)
    return record, assessment.version, assessment.events.count()


def download(client, assessment):
    response = client.get(reverse("assessments:fillable", args=[assessment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(".xlsx")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def address(book, key):
    """Where the sheet keeps a key (read from the hidden sheet, as the upload does)."""
    for row in book[fillable.META_SHEET].iter_rows(values_only=True):
        if row[1] == fillable.OPEN and row[3] == key:
            return row[2]
    raise KeyError(key)


def saved(book):
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def upload(client, assessment, data, name="填报表.xlsx"):
    file = io.BytesIO(data if isinstance(data, bytes) else saved(data))
    file.name = name
    return client.post(reverse("assessments:upload", args=[assessment.pk]), {"file": file})


def row_key(assessment, position, name):
    return fillable.indicator_key(assessment.indicators.get(position=position).pk, name)


def preview_page(client, response):
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"], client.get(response["Location"]).content.decode()


def changed_addresses(page):
    """The 单元格 column of the preview's table of changes."""
    body = page.split('id="changes"')[1].split("</table>")[0]
    return [cell.split("</td>")[0] for cell in body.split('<td class="text-nowrap">')[1:]]


def refused(client, assessment, data, name="填报表.xlsx"):
    before = stored(assessment)
    response = upload(client, assessment, data, name)
    assert response.status_code == 200
    assert stored(assessment) == before
    return response.context["problems"]


def unit_upload(client, data, name="本单位.xlsx"):
    file = io.BytesIO(data if isinstance(data, bytes) else saved(data))
    file.name = name
    return client.post(reverse("assessments:unit_upload"), {"file": file})


def download_unit(client, year):
    response = client.get(reverse("assessments:unit_fillable", args=[year]))
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def refused_unit(client, book, assessment):
    before = stored(assessment)
    response = unit_upload(client, book)
    assert response.status_code == 200
    assert stored(assessment) == before
    return response.context["problems"]


def run_import(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_workbook", str(path), *args, stdout=out, stderr=err)
    return out.getvalue()
