"""The demo processing register (Art. 30): one activity per activity code of the data map.

`seed_register()` writes a realistic register for a Dutch bank and insurer that serves
its customers over WhatsApp and SMS, for the demo data that `dsar.demo.seed()` creates. Every
activity code the data map (`settings.DSAR_DATAMAP_PATH`) uses gets its activity, plus
"complaints", which has no table in the demo database.

The register is the organisation's own text, written per language: every text below is a
dict {language: text} for English, Dutch, Swedish and Russian (`dsar/translation.py` gives
each a column per language). Proper names (the bank, Meta, the tax office) stay as they are.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from dsar import datamap, register
from dsar.models import ProcessingActivity, Recipient

LB = ProcessingActivity.LegalBasis
TRIGGER = ProcessingActivity.RetentionTrigger
KIND = Recipient.Kind
SAFEGUARD = Recipient.Safeguard
LANGUAGES = ("en", "nl", "sv", "ru")

_CONTROLLER = {
    "controller": "Voorbeeld Bank N.V.",
    "controller_contact": {
        "en": (
            "Voorbeeld Bank N.V., Postbus 1234, 1000 AB Amsterdam, the Netherlands; "
            "privacy@voorbeeldbank.example; +31 20 123 4567"
        ),
    },
    "joint_controller": "",
    "representative": "",
    "dpo_contact": {
        "en": (
            "Data protection officer (functionaris gegevensbescherming), Postbus 1234, "
            "1000 AB Amsterdam; fg@voorbeeldbank.example"
        ),
    },
}
_SECURITY = {
    "en": (
        "Access by role only (customer-service agents, supervisors, the privacy team), single "
        "sign-on with two-factor authentication; encryption in transit (TLS 1.2+) and at rest "
        "(AES-256); access logging with monthly review; data processing agreements with every "
        "processor (Art. 28); yearly penetration test; agents trained not to ask for or share "
        "sensitive data over WhatsApp or SMS."
    ),
}
_NONE = {"en": ""}
_META = {
    "name": {"en": "Meta Platforms Ireland Ltd."},
    "kind": KIND.PROCESSOR,
    "purpose": {"en": "WhatsApp Business Platform: carries WhatsApp messages between you and us"},
    "country": "IE",
    "safeguard": SAFEGUARD.NONE_NEEDED,
    "safeguard_detail": _NONE,
}
_SMS = {
    "name": {"en": "MessageBird B.V. (Bird)"},
    "kind": KIND.PROCESSOR,
    "purpose": {"en": "SMS gateway: sends and receives our text messages"},
    "country": "NL",
    "safeguard": SAFEGUARD.NONE_NEEDED,
    "safeguard_detail": _NONE,
}
_CRM = {
    "name": {"en": "Klantcontact Hosting B.V."},
    "kind": KIND.PROCESSOR,
    "purpose": {"en": "Hosts the contact-centre platform where conversations are stored"},
    "country": "NL",
    "safeguard": SAFEGUARD.NONE_NEEDED,
    "safeguard_detail": _NONE,
}
_TAX_OFFICE = {
    "name": {"en": "Belastingdienst (Dutch Tax and Customs Administration)"},
    "kind": KIND.AUTHORITY,
    "purpose": {"en": "Receives bookkeeping records on request during a tax audit"},
    "country": "NL",
    "safeguard": SAFEGUARD.NONE_NEEDED,
    "safeguard_detail": _NONE,
}
_AUDITOR = {
    "name": {"en": "Accountantskantoor Voorbeeld & Co"},
    "kind": KIND.CONTROLLER,
    "purpose": {"en": "Statutory auditor: checks the annual accounts"},
    "country": "NL",
    "safeguard": SAFEGUARD.NONE_NEEDED,
    "safeguard_detail": _NONE,
}
_LAWYERS = {
    "name": {"en": "Advocatenkantoor Voorbeeld"},
    "kind": KIND.PROCESSOR,
    "purpose": {"en": "Our lawyers: receive contract records only when a dispute arises"},
    "country": "NL",
    "safeguard": SAFEGUARD.NONE_NEEDED,
    "safeguard_detail": _NONE,
}
_CUSTOMER_SOURCE = {
    "en": "You, when you became a customer (application form, branch or phone), and later changes you gave us.",
}

ACTIVITIES: dict[str, dict[str, Any]] = {
    "customer-service": {
        "name": {"en": "Customer service over WhatsApp, SMS and phone"},
        "purposes": {
            "en": (
                "Answering customers' questions and requests about their accounts, policies "
                "and claims; keeping the conversation history so that the next agent knows "
                "what was said; handling service requests such as changes of address."
            ),
        },
        "legal_basis": LB.CONTRACT,
        "legal_basis_detail": {
            "en": (
                "Needed to perform the account or insurance contract and to take steps at the "
                "customer's request before entering into one."
            ),
        },
        "subject_categories": {
            "en": "Customers, former customers and people who contact us about a product",
        },
        "data_categories": ["contact", "communication", "technical"],
        "special_categories": {
            "en": (
                "Not asked for. Agents remove health data that customers send unprompted "
                "(e.g. about a claim) and move it to the claims file."
            ),
        },
        "retention_trigger": TRIGGER.LAST_CONTACT,
        "retention_months": 24,
        "retention_text": {
            "en": "Conversations, messages and the numbers you message us from: 24 months after your last contact with us.",
        },
        "security_measures": _SECURITY,
        "source": {
            "en": (
                "You (messages, calls, forms); our agents (notes, topics); the messaging "
                "platforms (delivery statuses)."
            ),
        },
        "automated_decisions": False,
        "automated_logic": _NONE,
        "systems": {
            "en": "Contact-centre platform (Klantcontact Hosting); CRM. Access: agents, supervisors.",
        },
        "recipients": [_META, _SMS, _CRM],
    },
    "customer-administration": {
        "name": {"en": "Customer administration"},
        "purposes": {
            "en": (
                "Knowing who our customers are and how to reach them: name, contact details "
                "and date of birth for the products they hold."
            ),
        },
        "legal_basis": LB.CONTRACT,
        "legal_basis_detail": {
            "en": "Needed to perform the account or insurance contract (Art. 6(1)(b)).",
        },
        "subject_categories": {"en": "Customers and former customers"},
        "data_categories": ["identity", "contact", "technical"],
        "special_categories": _NONE,
        "retention_trigger": TRIGGER.CONTRACT_END,
        "retention_months": 12,
        "retention_text": {
            "en": "As long as the contract runs, then one more year for questions and final settlement.",
        },
        "security_measures": _SECURITY,
        "source": _CUSTOMER_SOURCE,
        "automated_decisions": False,
        "automated_logic": _NONE,
        "systems": {"en": "CRM. Access: agents, supervisors, the back office."},
        "recipients": [_CRM],
    },
    "legal-claims": {
        "name": {"en": "Contract records for legal claims"},
        "purposes": {
            "en": (
                "Keeping the dates of a customer's contract so that we can establish or defend "
                "legal claims about it during the limitation period."
            ),
        },
        "legal_basis": LB.LEGITIMATE_INTERESTS,
        "legal_basis_detail": {
            "en": (
                "Our legitimate interest in establishing, exercising or defending legal claims; "
                "on erasure kept under Art. 17(3)(e) GDPR for the limitation period of "
                "Burgerlijk Wetboek 3:307 (5 years)."
            ),
        },
        "subject_categories": {"en": "Customers and former customers"},
        "data_categories": ["contract"],
        "special_categories": _NONE,
        "retention_trigger": TRIGGER.CONTRACT_END,
        "retention_months": 60,
        "retention_text": {
            "en": "5 years after the contract ends (limitation period, BW 3:307).",
        },
        "security_measures": _SECURITY,
        "source": _CUSTOMER_SOURCE,
        "automated_decisions": False,
        "automated_logic": _NONE,
        "systems": {"en": "CRM (contract dates). Access: the back office, legal department."},
        "recipients": [_LAWYERS],
    },
    "bookkeeping": {
        "name": {"en": "Customer identification in the bookkeeping"},
        "purposes": {
            "en": (
                "Keeping the customer number and the date the customer relationship began, "
                "so that the payment records that tax law makes us keep still identify whose "
                "payments they were."
            ),
        },
        "legal_basis": LB.LEGAL_OBLIGATION,
        "legal_basis_detail": {
            "en": (
                "Algemene wet inzake rijksbelastingen (AWR) art. 52: the administration must be "
                "kept for 7 years; on erasure kept under Art. 17(3)(b) GDPR."
            ),
        },
        "subject_categories": {"en": "Customers and former customers who paid or received money"},
        "data_categories": ["identity", "contract"],
        "special_categories": _NONE,
        "retention_trigger": TRIGGER.LAST_PAYMENT,
        "retention_months": 84,
        "retention_text": {"en": "7 years after the last payment (AWR art. 52)."},
        "security_measures": _SECURITY,
        "source": {"en": "Our billing system, when you became a customer."},
        "automated_decisions": False,
        "automated_logic": _NONE,
        "systems": {"en": "Billing system. Access: finance team; auditors during the audit."},
        "recipients": [_TAX_OFFICE, _AUDITOR],
    },
    "consent-records": {
        "name": {"en": "Consent records for messaging channels"},
        "purposes": {
            "en": (
                "Recording which numbers agreed to service and marketing messages on which "
                "channel, and when consent was withdrawn, so that we can prove it (Art. 7(1))."
            ),
        },
        "legal_basis": LB.LEGAL_OBLIGATION,
        "legal_basis_detail": {
            "en": (
                "GDPR Art. 7(1) requires the controller to be able to demonstrate consent; "
                "Telecommunicatiewet art. 11.7 for electronic marketing messages."
            ),
        },
        "subject_categories": {"en": "Customers and prospects who opted in on WhatsApp or SMS"},
        "data_categories": ["contact", "consent"],
        "special_categories": _NONE,
        "retention_trigger": TRIGGER.CONSENT_WITHDRAWN,
        "retention_months": 60,
        "retention_text": {
            "en": (
                "5 years after consent is withdrawn (limitation period for claims, BW 3:307); "
                "the number is replaced by an irreversible code on erasure."
            ),
        },
        "security_measures": _SECURITY,
        "source": {
            "en": "You (opt-in message, web form or call); the messaging platform's opt-in event.",
        },
        "automated_decisions": False,
        "automated_logic": _NONE,
        "systems": {
            "en": "Consent register in the contact-centre platform. Access: privacy team, marketing (read).",
        },
        "recipients": [_META, _SMS],
    },
    "marketing": {
        "name": {"en": "Marketing messages and newsletters"},
        "purposes": {
            "en": (
                "Sending offers and news about our banking and insurance products to customers "
                "who asked for them, by WhatsApp, SMS and e-mail."
            ),
        },
        "legal_basis": LB.CONSENT,
        "legal_basis_detail": {
            "en": (
                "Consent per channel; it can be withdrawn at any time by replying STOP or in "
                "the privacy portal, and an objection (Art. 21(2)) is honoured at once."
            ),
        },
        "subject_categories": {"en": "Customers who subscribed to a marketing list"},
        "data_categories": ["identity", "contact", "marketing"],
        "special_categories": _NONE,
        "retention_trigger": TRIGGER.CONSENT_WITHDRAWN,
        "retention_months": 0,
        "retention_text": {
            "en": "Until consent is withdrawn or the customer objects; then removed from every list.",
        },
        "security_measures": _SECURITY,
        "source": {
            "en": "You (sign-up); the list membership comes from the form or campaign you used.",
        },
        "automated_decisions": True,
        "automated_logic": {
            "en": (
                "Segmentation, not a decision with legal or similarly significant effects "
                "(Art. 22): customers are placed in a segment by the products they hold and "
                "their age band (under 30, 30-55, over 55), which decides which newsletter "
                "they receive. No credit or insurance decision is based on it; you can object "
                "to it at any time."
            ),
        },
        "systems": {"en": "Mailing service (Brevo). Access: marketing team."},
        "recipients": [
            _META,
            _SMS,
            {
                "name": {"en": "Sendinblue SAS (Brevo)"},
                "kind": KIND.PROCESSOR,
                "purpose": {"en": "Mailing service: sends newsletters by e-mail"},
                "country": "FR",
                "safeguard": SAFEGUARD.NONE_NEEDED,
                "safeguard_detail": _NONE,
            },
        ],
    },
    "call-recording": {
        "name": {"en": "Recording of phone calls"},
        "purposes": {
            "en": (
                "Recording calls with customers to prove instructions and advice given over "
                "the phone (MiFID II / Wft record keeping) and to train agents."
            ),
        },
        "legal_basis": LB.LEGITIMATE_INTERESTS,
        "legal_basis_detail": {
            "en": (
                "Our legitimate interest in proving what was agreed and improving quality; "
                "callers are told at the start of the call and can ask to stop the recording."
            ),
        },
        "subject_categories": {"en": "Callers: customers and others who call our service number"},
        "data_categories": ["contact", "communication", "recording", "technical"],
        "special_categories": _NONE,
        "retention_trigger": TRIGGER.COLLECTION,
        "retention_months": 6,
        "retention_text": {
            "en": "6 months after the call; longer only when a complaint or claim about the call is open.",
        },
        "security_measures": {
            "en": _SECURITY["en"] + " Recordings are encrypted with keys held in the EU.",
        },
        "source": {
            "en": "The call itself; the telephony platform (calling number, time, duration)."
        },
        "automated_decisions": False,
        "automated_logic": _NONE,
        "systems": {
            "en": "Telephony platform with recording storage. Access: quality team, complaints team.",
        },
        "recipients": [
            {
                "name": {"en": "CallVault Inc."},
                "kind": KIND.PROCESSOR,
                "purpose": {"en": "Stores and transcribes call recordings"},
                "country": "US",
                "safeguard": SAFEGUARD.SCC,
                "safeguard_detail": {
                    "en": (
                        "EU Commission standard contractual clauses (2021/914, module 2) with a "
                        "transfer impact assessment; encryption keys stay in the EU."
                    ),
                },
            },
        ],
    },
    "payments": {
        "name": {"en": "Payments and bookkeeping"},
        "purposes": {
            "en": "Collecting premiums and fees, refunds, and the bookkeeping the law requires.",
        },
        "legal_basis": LB.LEGAL_OBLIGATION,
        "legal_basis_detail": {
            "en": (
                "Algemene wet inzake rijksbelastingen (AWR) art. 52 and Burgerlijk Wetboek "
                "2:10: keep the records of the administration for 7 years."
            ),
        },
        "subject_categories": {"en": "Customers and former customers who paid or received money"},
        "data_categories": ["financial"],
        "special_categories": _NONE,
        "retention_trigger": TRIGGER.PAYMENT,
        "retention_months": 84,
        "retention_text": {
            "en": "Each payment 7 years after it was made (AWR art. 52), then deleted.",
        },
        "security_measures": {"en": _SECURITY["en"] + " Bank-account numbers are stored masked."},
        "source": {"en": "Your bank (incoming payments); our billing system."},
        "automated_decisions": False,
        "automated_logic": _NONE,
        "systems": {"en": "Billing system. Access: finance team; auditors during the audit."},
        "recipients": [_TAX_OFFICE, _AUDITOR],
    },
    "complaints": {
        "name": {"en": "Complaints handling"},
        "purposes": {
            "en": (
                "Handling complaints about our products and service, and referring them to the "
                "Financial Services Complaints Institute (Kifid) when the customer asks."
            ),
        },
        "legal_basis": LB.LEGAL_OBLIGATION,
        "legal_basis_detail": {
            "en": "Wft / Bgfo art. 4:17: financial firms must have a complaints procedure.",
        },
        "subject_categories": {"en": "Customers, former customers and others who complain"},
        "data_categories": ["identity", "contact", "communication", "contract"],
        "special_categories": {
            "en": "Only when the complainant includes it (e.g. health data in a claim complaint).",
        },
        "retention_trigger": TRIGGER.FIXED,
        "retention_months": 60,
        "retention_text": {"en": "5 years after the complaint is closed."},
        "security_measures": _SECURITY,
        "source": {"en": "The complainant; Kifid when a complaint comes through them."},
        "automated_decisions": False,
        "automated_logic": _NONE,
        "systems": {"en": "Complaints module of the CRM. Access: complaints team, compliance."},
        "recipients": [
            {
                "name": {"en": "Klachteninstituut Financiële Dienstverlening (Kifid)"},
                "kind": KIND.CONTROLLER,
                "purpose": {
                    "en": "Dispute resolution when the customer takes a complaint there",
                },
                "country": "NL",
                "safeguard": SAFEGUARD.NONE_NEEDED,
                "safeguard_detail": _NONE,
            },
        ],
    },
}


def demo_activity_codes() -> list[str]:
    """The activity codes the data map uses (tables and columns), in map order, then
    "complaints"."""
    dm = datamap.load(settings.DSAR_DATAMAP_PATH)
    codes = [code for t in dm.tables for code in t.activity_codes()]
    return list(dict.fromkeys([*codes, "complaints"]))


def seed_register(*, by=None) -> int:
    """Create or update the demo register; return how many activities changed.

    Idempotent: an activity that already says what the demo says is left alone, so a
    second run records no version. Every change goes through `register.record_change()`
    (versioned and audited). Raises ValueError when the data map names an activity the
    demo register does not describe.
    """
    codes = demo_activity_codes()
    missing = [c for c in codes if c not in ACTIVITIES]
    if missing:
        raise ValueError(f"The demo register has no activity for {', '.join(missing)}.")
    return sum(_seed_one(code, ACTIVITIES[code], by=by) for code in codes)


def per_language(spec: dict[str, Any]) -> dict[str, Any]:
    """The model fields of a spec: each {language: text} becomes `<field>_<language>` (a
    language without a text stays empty, so the extract falls back to English and says so)
    plus the field itself in English."""
    fields: dict[str, Any] = {}
    for name, value in spec.items():
        if isinstance(value, dict):
            fields[name] = value["en"]
            fields.update({f"{name}_{lang}": value.get(lang, "") for lang in LANGUAGES})
        else:
            fields[name] = value
    return fields


@transaction.atomic
def _seed_one(code: str, spec: dict[str, Any], *, by) -> bool:
    fields = per_language({**_CONTROLLER, **{k: v for k, v in spec.items() if k != "recipients"}})
    recipients = sorted((per_language(r) for r in spec["recipients"]), key=lambda r: r["name_en"])
    activity = ProcessingActivity.objects.select_for_update().filter(code=code).first()
    if activity is not None:
        current = register.snapshot(activity)
        wanted = {**current, **fields, "recipients": recipients}
        if current == wanted:
            return False
        for name, value in fields.items():
            setattr(activity, name, value)
        activity.save()
        activity.recipients.all().delete()
        action = "changed"
    else:
        activity = ProcessingActivity.objects.create(code=code, **fields)
        action = "created"
    Recipient.objects.bulk_create(Recipient(activity=activity, **r) for r in recipients)
    register.record_change(activity=activity, by=by, action=action)
    return True
