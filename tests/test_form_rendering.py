"""The form renderer writes the plainest widgets in Python: exactly as Django's templates do."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.translation import gettext_lazy

from assessments.forms.rendering import FormRenderer

GRADES = [("", "—"), ("good", gettext_lazy("良")), ("poor", '差 <较差> & "弱"')]
GROUPED = [("", "全部"), ("东湖区教育局", [(1, "事务中心"), (2, "保障中心")]), (3, "散户")]

WIDGETS = [
    (forms.TextInput(), "年度目标基本完成"),
    (forms.TextInput(), None),
    (forms.TextInput(), ""),
    (forms.TextInput(attrs={"class": "form-control", "aria-invalid": "true"}), '"<引号>" & 号'),
    (forms.TextInput(attrs={"required": True, "disabled": False, "data-x": 0}), "x"),
    (forms.NumberInput(attrs={"step": "0.01", "min": 0}), 12.5),
    (forms.HiddenInput(), 7),
    (forms.EmailInput(), "p@example.gov.cn"),
    (forms.Textarea(attrs={"rows": 3, "aria-describedby": "reason-error"}), "第一行\n第二行 <b>"),
    (forms.Textarea(), None),
    (forms.Textarea(), ""),
    (forms.Select(choices=GRADES, attrs={"class": "form-select"}), "good"),
    (forms.Select(choices=GRADES), None),
    (forms.Select(choices=GROUPED), "2"),
    (forms.SelectMultiple(choices=GROUPED), ["1", "3"]),
]


@pytest.mark.parametrize(("widget", "value"), WIDGETS)
def test_widgets_read_as_django_templates_write_them(widget, value):
    django_html = widget.render(
        "field", value, attrs={"id": "id_field"}, renderer=DjangoTemplates()
    )
    ours = widget.render("field", value, attrs={"id": "id_field"}, renderer=FormRenderer())
    assert ours == django_html


def test_a_bound_form_with_errors_reads_the_same():
    class Form(forms.Form):
        name = forms.CharField(max_length=3)
        note = forms.CharField(widget=forms.Textarea)
        grade = forms.ChoiceField(choices=GRADES)

    data = {"name": "太长的名字", "note": "", "grade": "poor"}
    assert str(Form(data, renderer=FormRenderer())) == str(Form(data, renderer=DjangoTemplates()))
