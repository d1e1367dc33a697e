"""Presentation filters for dsar templates."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def staff_name(user) -> str:
    """A staff member's full name, else the username, else a dash."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username


@register.filter
def css_string(value) -> str:
    """Text for a CSS string literal ("…"), as used for PDF page headers: no way out of it."""
    text = str(value)
    out = []
    for ch in text:
        if ch in '"\\' or ord(ch) < 32 or ch in "<>&'":
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return "".join(out)
