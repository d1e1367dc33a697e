from __future__ import annotations

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from verification import phone


class PhoneForm(forms.Form):
    """The messaging number, normalised to E.164 (`cleaned_data["number"]`)."""

    number = forms.CharField(
        label=_("Your mobile number"),
        help_text=_("The number you use to message us on WhatsApp or by SMS."),
        error_messages={"required": _("Enter your mobile number, for example 06 12345678.")},
        strip=False,
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel", "maxlength": 40}
        ),
    )

    def clean_number(self) -> str:
        try:
            return phone.normalise(self.cleaned_data["number"])
        except phone.InvalidNumber as e:
            raise forms.ValidationError(e.message, code="invalid") from None


CODE_ERROR = _("Enter the 6-digit code from the message we sent you.")


class CodeForm(forms.Form):
    """The 6-digit code; spaces and non-Latin digits (٣, ３) are accepted and normalised."""

    code = forms.CharField(
        label=_("Code"),
        help_text=_("6 digits. It is valid for 10 minutes."),
        error_messages={"required": CODE_ERROR},
        strip=True,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9 ]*",
                "maxlength": 12,
            }
        ),
    )

    def clean_code(self) -> str:
        raw = self.cleaned_data["code"]
        if len(raw) > 12:
            raise forms.ValidationError(CODE_ERROR, code="invalid")
        digits = []
        for ch in raw:
            if ch in " -":
                continue
            if not ch.isdecimal():
                raise forms.ValidationError(CODE_ERROR, code="invalid")
            digits.append(str(unicodedata.decimal(ch)))
        code = "".join(digits)
        if len(code) != 6:
            raise forms.ValidationError(CODE_ERROR, code="invalid")
        return code
