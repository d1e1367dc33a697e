"""Form rendering helpers for the site's field snippets."""

from __future__ import annotations

from django import template
from django.forms.boundfield import BoundField, BoundWidget

register = template.Library()


@register.filter
def choice_tag(choice: BoundWidget, field: BoundField) -> str:
    """One radio or checkbox of a group, described by the group's help and error.

    Django puts `aria-describedby` on a single widget but not on the inputs of a group
    rendered in a fieldset; without it a screen reader on a radio never hears the error.
    """
    described_by = " ".join(
        part
        for part, shown in (
            (f"{field.auto_id}_helptext", field.help_text),
            (f"{field.auto_id}_error", field.errors),
        )
        if field.auto_id and shown
    )
    if described_by:
        choice.data["attrs"] = {**choice.data["attrs"], "aria-describedby": described_by}
    return choice.tag()
