"""Server-rendered SVG charts for the staff console (issue 22), readable without JavaScript and allowed by the
Content-Security-Policy: pygal draws them; what pygal embeds for its browser-side tooltips — a <script>, a
<style> element and style attributes, all refused by `script-src 'self'` and `style-src 'self'` — is taken
out, and static/css/insights.css (pygal's own rules) styles them instead."""

import pygal
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from lxml import etree

SVG = "{http://www.w3.org/2000/svg}"


def chart(kind: str, *, labels: list[str], series: list[tuple[str, list]]) -> pygal.graph.graph.Graph:
    """A pygal chart of `kind` ("Line", "StackedBar") without its tooltip script: one x label per column,
    one series per (name, values)."""
    made = getattr(pygal, kind)(
        js=[],
        disable_xml_declaration=True,
        width=800,
        height=400,
        legend_at_bottom=True,
        legend_at_bottom_columns=3,
        x_label_rotation=30 if len(labels) > 6 else 0,
        show_minor_x_labels=len(labels) <= 12,
        x_labels_major_every=3 if len(labels) > 12 else None,
        truncate_legend=30,
        no_data_text=_("No data"),
    )
    made.x_labels = labels
    for name, values in series:
        made.add(name, values)
    return made


def svg(made: pygal.graph.graph.Graph, *, title: str) -> SafeString:
    """The chart as inline SVG without script or style, named for assistive technologies."""
    root = etree.fromstring(made.render(is_unicode=False))
    for element in root.iter(f"{SVG}script", f"{SVG}style", etree.Comment):
        element.getparent().remove(element)
    for element in list(root.iter()):
        if "tooltip" in (element.get("class") or "").split():
            element.getparent().remove(element)
        else:
            element.attrib.pop("style", None)
    for old in root.findall(f"{SVG}title"):
        root.remove(old)
    named = etree.Element(f"{SVG}title")
    named.text = title
    root.insert(0, named)
    root.set("role", "img")
    root.set("aria-label", title)
    return mark_safe(etree.tostring(root, encoding="unicode"))  # noqa: S308 — built by pygal, titles escaped by lxml
