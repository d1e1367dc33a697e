from __future__ import annotations

import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from dsar.models import Clarification, DataRequest

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
    DataRequest.Kind.RECTIFICATION: _(
        "You see your name, e-mail address, postcode and date of birth as we hold them, and "
        "tell us what is wrong."
    ),
    DataRequest.Kind.RESTRICTION: _(
        "We only store your data, and use it for nothing else, while we check it or while you "
        "need it for a legal claim."
    ),
}


def _new_token() -> str:
    return secrets.token_hex(16)


class SubmitOnce(forms.Form):
    """A form whose submission is done once: the page carries a random token, and sending
    the same form again (a double click, a reload after an error) finds the request it made
    instead of filing a second one."""

    token = forms.RegexField(
        regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput, initial=_new_token, required=False
    )


class NewRequestForm(SubmitOnce):
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


class ConfirmErasureForm(SubmitOnce):
    confirm = forms.BooleanField(
        label=_("I understand that erased data cannot be restored."),
        error_messages={"required": _("Tick the box to confirm that you want your data erased.")},
    )


class QueueFilterForm(forms.Form):
    """The queue's filters (GET); the view leaves an invalid one out and says so (400)."""

    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *DataRequest.Kind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All open")),
            *[(s, DataRequest.Status(s).label) for s in DataRequest.OPEN_STATUSES],
            # The history: closed cases, such as objections that closed themselves.
            *[
                (s.value, s.label)
                for s in DataRequest.Status
                if s.value not in DataRequest.OPEN_STATUSES
            ],
        ],
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    due = forms.ChoiceField(
        label=_("Due"),
        required=False,
        choices=[("", _("Any time")), ("week", _("Within 7 days")), ("overdue", _("Overdue"))],
    )
    q = forms.CharField(label=_("Reference or number"), required=False, max_length=40)

    def __init__(self, data, *, staff_choices):
        super().__init__(data)
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Nobody")),
            *staff_choices,
        ]


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("Assign to"), coerce=int)

    def __init__(self, data=None, *, staff_choices):
        super().__init__(data)
        self.fields["assignee"].choices = staff_choices


class ExtendForm(forms.Form):
    # Prefixes: the case page shows several of these forms, and their fields must not share ids.
    prefix = "extend"
    reason = forms.ChoiceField(
        label=_("Reason for the extension"),
        choices=DataRequest.ExtensionReason.choices,
        widget=forms.RadioSelect,
    )


class RefuseForm(forms.Form):
    prefix = "refuse"
    ground = forms.ChoiceField(
        label=_("Legal ground"), choices=DataRequest.RefusalGround.choices, widget=forms.RadioSelect
    )
    partial = forms.BooleanField(label=_("Partial refusal (the rest is answered)"), required=False)

    def __init__(self, data=None, *, kind: str | None = None):
        super().__init__(data)
        if kind:
            # Only the grounds that fit this kind of request (the service checks it too).
            allowed = DataRequest.grounds_for(kind)
            self.fields["ground"].choices = [
                c for c in DataRequest.RefusalGround.choices if c[0] in allowed
            ]


class ClarifyForm(forms.Form):
    prefix = "clarify"
    question = forms.ChoiceField(
        label=_("Question for the customer"),
        choices=Clarification.Question.choices,
        widget=forms.RadioSelect,
    )


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(label=_("Your answer"), widget=forms.RadioSelect)

    def __init__(self, data=None, *, clarification):
        super().__init__(data)
        self.fields["answer"].label = clarification.get_question_display()
        self.fields["answer"].choices = Clarification.ANSWERS[clarification.question]


class PolicyForm(forms.Form):
    prefix = "policy"
    policy = forms.ChoiceField(label=_("Legal clock"), choices=DataRequest.Policy.choices)
    reason = forms.ChoiceField(
        label=_("Why"), choices=DataRequest.PolicyReason.choices, widget=forms.RadioSelect
    )


class RequesterForm(forms.Form):
    """Who the customer is behind a shared number: a contact the evidence page lists
    ("contact:<id>"; the service checks the number still leads to it) or "unknown"."""

    UNKNOWN = "unknown"
    PREFIX = "contact:"

    link = forms.CharField(widget=forms.HiddenInput, max_length=400)
    requester = forms.RegexField(
        label=_("Who is the customer?"),
        regex=r"\A(unknown|contact:[A-Za-z0-9_.-]{1,64})\Z",
        widget=forms.RadioSelect,
    )

    def clean_link(self) -> tuple[str, str, str]:
        from dsar.shared_numbers import parse_link

        link = parse_link(self.cleaned_data["link"])
        if link is None:
            raise forms.ValidationError(_("Choose a contact, or that it cannot be told."))
        return link

    def clean_requester(self) -> str | None:
        """The chosen contact's id, or None when it cannot be told."""
        value = self.cleaned_data["requester"]
        return None if value == self.UNKNOWN else value.removeprefix(self.PREFIX)


class RectifyForm(SubmitOnce):
    """The corrected value of one field, in a field of that field's type (Art. 16); the
    type's rules are in `dsar.rectification_rules`."""

    def __init__(
        self, *args, kind: str, max_length: int | None = None, name: str = "", **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kind, self.max_length = kind, max_length
        # The field's own name ("Postcode: the correct value"), so that a screen reader and
        # the error summary say which value is meant.
        label = (
            _("%(name)s: the correct value") % {"name": name} if name else _("The correct value")
        )
        if kind == "email":
            field = forms.EmailField(label=label, max_length=max_length or 254)
        elif kind == "date":
            field = forms.DateField(
                label=label,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                input_formats=["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"],
            )
        else:
            field = forms.CharField(label=label, max_length=max_length or 200)
        field.error_messages["required"] = _("Type the corrected value.")
        self.fields["corrected"] = field

    def clean_corrected(self):
        from dsar import rectification_rules

        return rectification_rules.clean(
            self.kind, self.cleaned_data["corrected"], max_length=self.max_length
        )


class RestrictForm(SubmitOnce):
    """Why the customer wants the use of their data restricted (Art. 18(1)): a list only."""

    reason = forms.ChoiceField(
        label=_("Why?"),
        choices=[],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose why you want the use of your data restricted."),
            "invalid_choice": _("Choose why you want the use of your data restricted."),
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from dsar.models import Restriction

        self.fields["reason"].choices = Restriction.Reason.choices
