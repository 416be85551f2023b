"""Fields that read what people type, and the look of the inputs they render."""

from django import forms
from django.forms.boundfield import BoundField

from .. import rules

# 分值 and 得分 are stored with three integer digits: up to 999.99.
POINTS_DIGITS = 3


class MarkedBoundField(BoundField):
    """A field whose input carries Bootstrap's is-invalid while the field has an error."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors:
            attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
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
        text = super().to_python(value)
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


def amount_to_text(value):
    return "" if value is None else rules.format_amount(value)


def points_to_text(value):
    return rules.format_points(value)
