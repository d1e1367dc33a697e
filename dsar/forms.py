from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dsar.models import DataRequest

KIND_HELP = {
    DataRequest.Kind.ACCESS: _(
        "We tell you what we hold about you, why, where it came from, who receives it and "
        "how long we keep it, with a copy."
    ),
    DataRequest.Kind.EXPORT: _(
        "The data you gave us or created by using our service, in files you can take to "
        "another company."
    ),
    DataRequest.Kind.ERASURE: _(
        "We delete or anonymise your data, except what the law requires us to keep."
    ),
    DataRequest.Kind.OBJECTION: _("We stop using your data for direct marketing, at once."),
    DataRequest.Kind.WITHDRAW_CONSENT: _(
        "We stop sending you messages you agreed to on a channel you choose."
    ),
}


class NewRequestForm(forms.Form):
    """Structured choices only: no free text in which customers would type personal data."""

    kind = forms.ChoiceField(
        label=_("What would you like us to do?"),
        choices=DataRequest.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you would like us to do.")},
    )
    channel = forms.ChoiceField(
        label=_("For which channel? (only for stopping marketing or withdrawing consent)"),
        choices=DataRequest.Channel.choices,
        initial=DataRequest.Channel.ALL,
        widget=forms.RadioSelect,
        required=False,
    )

    def clean_channel(self) -> str:
        return self.cleaned_data.get("channel") or DataRequest.Channel.ALL


class ConfirmErasureForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that erased data cannot be restored."),
        error_messages={"required": _("Tick the box to confirm that you want your data erased.")},
    )
