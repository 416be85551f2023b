"""The step form of a kind's declared cells (kinds.base.Cell): one input per cell, named by
the cell's address, read by the cell's input type."""

from django import forms

from ..kinds.base import Cell
from .wizard import StepForm


class CellsForm(StepForm):
    def __init__(self, *args, cells: tuple[Cell, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.cells = {str(cell.address): cell for cell in cells}
        for name, cell in self.cells.items():
            if cell.choices:
                field: forms.Field = forms.ChoiceField(
                    label=cell.label,
                    required=False,
                    choices=[("", "—"), *cell.choices],
                    widget=forms.Select(attrs={"class": "form-select"}),
                )
            else:
                attrs = {"class": "form-control", "data-input": cell.input}
                widget: forms.Widget = (
                    forms.Textarea(attrs={**attrs, "rows": 3})
                    if cell.max_length > 200
                    else forms.TextInput(attrs=attrs)
                )
                field = forms.CharField(
                    label=cell.label, required=False, strip=False, widget=widget
                )
            # The heading of a run of cells (an indicator row), shown above its first.
            field.group = cell.group  # type: ignore[attr-defined]
            self.fields[name] = field

    @classmethod
    def initial_for_cells(cls, stored: dict, cells: tuple[Cell, ...]) -> dict[str, str]:
        return {str(cell.address): stored.get(cell.key, "") for cell in cells}

    def clean(self):
        data = super().clean() or {}
        for name, cell in self.cells.items():
            if name in self.errors:
                continue
            try:
                data[name] = cell.read(data.get(name))
            except ValueError as error:
                self.add_error(name, str(error))
        return data

    def cell_values(self) -> dict[str, str]:
        """The typed values by cell key, as stored."""
        return {cell.key: self.cleaned_data[name] for name, cell in self.cells.items()}

    def read_cells(self) -> dict[str, str]:
        """What could be read of a form that may not be valid (the live check)."""
        typed = getattr(self, "cleaned_data", {})
        return {cell.key: typed[name] for name, cell in self.cells.items() if name in typed}
