"""Fields that read what people type, and the look of the inputs they render."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField

from .. import rules
from ..rules import readers

POINTS_DIGITS = readers.POINTS_DIGITS


class MarkedBoundField(BoundField):
    """A field whose input carries Bootstrap's is-invalid while the field has an error."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors:
            # The class given here replaces the widget's own: keep its look, add the mark.
            own = attrs.get("class", (widget or self.field.widget).attrs.get("class", ""))
            attrs["class"] = f"{own} is-invalid".strip()
        return attrs


SMALL_SELECT = "form-select form-select-sm"


def control(label, *, size="", number=False, **attrs):
    """The attributes of a text box in a table cell, whose label is its column heading."""
    classes = ["form-control", f"form-control-{size}" if size else "", "num" if number else ""]
    return {"class": " ".join(c for c in classes if c), "aria-label": label, **attrs}


class TextField(forms.CharField):
    """A text as typed or pasted from Word or Excel: line breaks as \\n, no control characters."""

    def to_python(self, value):
        return rules.clean_text(super().to_python(value))

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        # A long text typed or pasted is refused with a message at its field, not cut short
        # by the browser without a word (which a maxlength attribute would do).
        attrs.pop("maxlength", None)
        return attrs


class LineField(TextField):
    """A name on one line: it goes into mail subjects and file names, where a break cannot."""

    def validate(self, value):
        super().validate(value)
        if "\n" in (value or ""):
            raise ValidationError("不能换行，请写在一行内。", code="line_break")


class DecimalTextField(forms.CharField):
    """A number typed or pasted the way people do: full-width digits, separators, spaces."""

    def __init__(self, *, what, places=2, max_digits=rules.MAX_AMOUNT_DIGITS, **kw):
        kw.setdefault("required", False)
        # The length limit guards the text typed; the value itself is a Decimal.
        max_length = kw.pop("max_length", 40)
        super().__init__(**kw)
        self.what, self.places, self.max_digits = what, places, max_digits
        self.max_text = max_length
        self.widget.attrs.update(
            {"inputmode": "decimal", "autocomplete": "off", "maxlength": str(max_length)}
        )

    def to_python(self, value):
        # Blank is "" (the field's empty_value), never None.
        text = super().to_python(value) or ""
        if len(text) > self.max_text:
            raise forms.ValidationError(f"{self.what}过长。", code="too_long")
        try:
            number = rules.parse_decimal(
                text, places=self.places, max_digits=self.max_digits, what=self.what
            )
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from None
        if number is not None and number < 0:
            raise forms.ValidationError(f"{self.what}不能为负数。", code="negative")
        return number


class ReadField(forms.CharField):
    """A value typed or pasted, read by the one reader of its input type (rules.readers):
    the wizard takes what the workbook upload and the live figures take, with the same
    message, which says what can be typed."""

    def __init__(self, *, reader, hint, what=None, max_length=40, **kw):
        kw.setdefault("required", False)
        super().__init__(**kw)
        # The name the messages give the cell: the label, or a shorter one beside a table.
        self.reader, self.what = reader, str(what or self.label)
        # The length limit guards the text typed; the reader decides what it says.
        self.max_text = max_length
        self.widget.attrs.update(
            {"inputmode": "decimal", "autocomplete": "off", "maxlength": str(max_length)}
        )
        self.widget.attrs.setdefault("title", hint)

    def read(self, text):
        return self.reader(text, what=self.what)

    def to_python(self, value):
        # Blank is "" (the field's empty_value), never None.
        text = super().to_python(value) or ""
        if len(text) > self.max_text:
            raise ValidationError(f"{self.what}过长。", code="too_long")
        try:
            return self.read(text)
        except readers.ReadError as error:
            raise ValidationError(str(error), code="invalid") from None


class AmountField(ReadField):
    """An amount in the table's money unit; 万元 or 元 written out are converted into it."""

    def __init__(self, *, money_unit=readers.YUAN, **kw):
        super().__init__(reader=readers.read_amount, hint=readers.AMOUNT_HINT, **kw)
        self.money_unit = money_unit

    def read(self, text):
        return readers.read_amount(text, self.money_unit, what=self.what)


class PointsField(ReadField):
    """A 分值 or 得分."""

    def __init__(self, **kw):
        kw.setdefault("max_length", 20)
        super().__init__(reader=readers.read_points, hint=readers.POINTS_HINT, **kw)


class PercentField(ReadField):
    """A percentage, as its number of percent."""

    def __init__(self, **kw):
        kw.setdefault("max_length", 20)
        super().__init__(reader=readers.read_percent, hint=readers.PERCENT_HINT, **kw)


class IndicatorValueField(TextField):
    """A 年度指标值 or 实际完成值, kept as written; rules.parse_value reads its meaning."""

    def __init__(self, **kw):
        kw.setdefault("required", False)
        super().__init__(**kw)

    def to_python(self, value):
        try:
            return readers.read_indicator_value(super().to_python(value), what=str(self.label))
        except readers.ReadError as error:
            raise ValidationError(str(error), code="too_long") from None


def amount_to_text(value):
    return "" if value is None else rules.format_amount(value)


def points_to_text(value):
    return rules.format_points(value)
