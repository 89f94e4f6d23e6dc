"""The forms of a rendered page, read the way a browser would submit them (for the fuzz test)."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # name → input type, "select" or "textarea"


class _FormParser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = Form(attrs.get("action") or self.page_url, (attrs.get("method") or "get").lower())
            self.forms.append(self._form)
        if tag == "option" and self._form is not None and self._select not in (None, *self._form.fields):
            self._form.fields[self._select] = attrs.get("value", "")
        if self._form is None or not attrs.get("name"):
            return
        name = attrs["name"]
        self._form.kinds.setdefault(name, attrs.get("type", "text") if tag == "input" else tag)
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                # The first choice of a radio group, every checkbox ticked (acknowledgements).
                if kind == "checkbox" or name not in self._form.fields:
                    self._form.fields[name] = attrs.get("value", "on")
            elif kind != "submit" or name not in self._form.fields:
                self._form.fields.setdefault(name, attrs.get("value") or "")
        elif tag == "button" and attrs.get("value") is not None:
            self._form.fields.setdefault(name, attrs["value"])
        elif tag == "select":
            self._select = name
        elif tag == "textarea":
            self._textarea = name
            self._form.fields[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea] += data


def forms_of(html: str, page_url: str) -> list[Form]:
    parser = _FormParser(page_url)
    parser.feed(html)
    return parser.forms
