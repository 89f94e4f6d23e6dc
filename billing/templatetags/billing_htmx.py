from django import template
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def preview_form_attrs():
    """The attributes of every Manage form: a plain POST to the preview, or with htmx the preview in place."""
    url = reverse("billing:manage_preview")
    return format_html(
        'method="post" action="{}" hx-post="{}" hx-target="#manage-preview" hx-swap="outerHTML show:top"',
        url,
        url,
    )
