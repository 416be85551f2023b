"""The fields of a page's forms as a browser would submit them (the load test's users and
loadtest/bench_requests.py fill them in)."""

from html.parser import HTMLParser


class FormReader(HTMLParser):
    """The fields of every <form> on a page, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": {}})
            return
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        assert isinstance(fields, dict)
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                fields[name] = a.get("value", "on" if kind == "checkbox" else "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and (self._select not in fields or "selected" in a):
            fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            fields = self.forms[-1]["fields"]
            assert isinstance(fields, dict)
            fields[self._textarea] += data


def form_with(html: str, field: str) -> dict[str, str]:
    """The fields of the first form that has `field`. Forms do not nest: the form around the
    field's first mention is read first, the whole page only when that is not it (parsing a
    whole detail page costs the load test's users more than its request does)."""
    at = html.find(f'name="{field}"')
    start = html.rfind("<form", 0, at) if at >= 0 else -1
    end = html.find("</form>", at) if start >= 0 else -1
    if end >= 0:
        try:
            return _first_form_with(html[start : end + len("</form>")], field)
        except LookupError:
            pass
    return _first_form_with(html, field)


def _first_form_with(html: str, field: str) -> dict[str, str]:
    reader = FormReader()
    reader.feed(html)
    for form in reader.forms:
        fields = form["fields"]
        assert isinstance(fields, dict)
        if field in fields:
            return dict(fields)
    raise LookupError(f"no form with {field}")
