from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def preview_form_attrs(context):
    """The attributes of every Manage form: a plain POST to the preview, or with htmx the preview in place.
    Built once per rendering of the page (the page has a form per product line)."""
    attrs = context.render_context.get("preview_form_attrs")
    if attrs is None:
        url = reverse("billing:manage_preview")
        attrs = format_html(
            'method="post" action="{}" data-hx-post="{}" data-hx-target="#manage-preview"'
            ' data-hx-swap="outerHTML show:top"',
            url,
            url,
        )
        context.render_context["preview_form_attrs"] = attrs
    return attrs
