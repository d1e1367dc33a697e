"""The demo processing register (Art. 30): one activity per activity code of the data map.

`seed_register()` writes a realistic register for a Dutch bank and insurer that serves
its customers over WhatsApp and SMS, for the demo data that `dsar.demo.seed()` creates. Every
activity code the data map (`settings.DSAR_DATAMAP_PATH`) uses gets its activity, plus
"complaints", which has no table in the demo database. The register is the organisation's
own text (names, purposes, retention), so it is data in English, not translated messages.
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

_CONTROLLER = {
    "controller": "Voorbeeld Bank N.V.",
    "controller_contact": (
        "Voorbeeld Bank N.V., Postbus 1234, 1000 AB Amsterdam, the Netherlands; "
        "privacy@voorbeeldbank.example; +31 20 123 4567"
    ),
    "joint_controller": "",
    "representative": "",
    "dpo_contact": (
        "Data protection officer (functionaris gegevensbescherming), Postbus 1234, "
        "1000 AB Amsterdam; fg@voorbeeldbank.example"
    ),
}
_SECURITY = (
    "Access by role only (customer-service agents, supervisors, the privacy team), single "
    "sign-on with two-factor authentication; encryption in transit (TLS 1.2+) and at rest "
    "(AES-256); access logging with monthly review; data processing agreements with every "
    "processor (Art. 28); yearly penetration test; agents trained not to ask for or share "
    "sensitive data over WhatsApp or SMS."
)
_META = {
    "name": "Meta Platforms Ireland Ltd.",
    "kind": KIND.PROCESSOR,
    "purpose": "WhatsApp Business Platform: carries WhatsApp messages between you and us",
    "country": "IE",
    "safeguard": SAFEGUARD.NONE_NEEDED,
    "safeguard_detail": "",
}
_SMS = {
    "name": "MessageBird B.V. (Bird)",
    "kind": KIND.PROCESSOR,
    "purpose": "SMS gateway: sends and receives our text messages",
    "country": "NL",
    "safeguard": SAFEGUARD.NONE_NEEDED,
    "safeguard_detail": "",
}
_CRM = {
    "name": "Klantcontact Hosting B.V.",
    "kind": KIND.PROCESSOR,
    "purpose": "Hosts the contact-centre platform where conversations are stored",
    "country": "NL",
    "safeguard": SAFEGUARD.NONE_NEEDED,
    "safeguard_detail": "",
}

ACTIVITIES: dict[str, dict[str, Any]] = {
    "customer-service": {
        "name": "Customer service over WhatsApp, SMS and phone",
        "purposes": (
            "Answering customers' questions and requests about their accounts, policies "
            "and claims; keeping the conversation history so that the next agent knows "
            "what was said; handling service requests such as changes of address."
        ),
        "legal_basis": LB.CONTRACT,
        "legal_basis_detail": (
            "Needed to perform the account or insurance contract and to take steps at the "
            "customer's request before entering into one."
        ),
        "subject_categories": "Customers, former customers and people who contact us about a product",
        "data_categories": ["identity", "contact", "communication", "contract", "technical"],
        "special_categories": (
            "Not asked for. Agents remove health data that customers send unprompted "
            "(e.g. about a claim) and move it to the claims file."
        ),
        "retention_trigger": TRIGGER.LAST_CONTACT,
        "retention_months": 24,
        "retention_text": (
            "Conversations and messages: 24 months after the last contact. The customer "
            "record: as long as the contract runs; its dates and customer number are kept "
            "as long as the bookkeeping and claims periods require."
        ),
        "security_measures": _SECURITY,
        "source": (
            "The customer (messages, calls, forms); our agents (notes, topics); the "
            "messaging platforms (delivery statuses)."
        ),
        "automated_decisions": False,
        "automated_logic": "",
        "systems": "Contact-centre platform (Klantcontact Hosting); CRM. Access: agents, supervisors.",
        "recipients": [_META, _SMS, _CRM],
    },
    "consent-records": {
        "name": "Consent records for messaging channels",
        "purposes": (
            "Recording which numbers agreed to service and marketing messages on which "
            "channel, and when consent was withdrawn, so that we can prove it (Art. 7(1))."
        ),
        "legal_basis": LB.LEGAL_OBLIGATION,
        "legal_basis_detail": (
            "GDPR Art. 7(1) requires the controller to be able to demonstrate consent; "
            "Telecommunicatiewet art. 11.7 for electronic marketing messages."
        ),
        "subject_categories": "Customers and prospects who opted in on WhatsApp or SMS",
        "data_categories": ["contact", "consent"],
        "special_categories": "",
        "retention_trigger": TRIGGER.CONSENT_WITHDRAWN,
        "retention_months": 60,
        "retention_text": (
            "5 years after consent is withdrawn (limitation period for claims, BW 3:307); "
            "the number is replaced by an irreversible code on erasure."
        ),
        "security_measures": _SECURITY,
        "source": "The customer (opt-in message, web form or call); the messaging platform's opt-in event.",
        "automated_decisions": False,
        "automated_logic": "",
        "systems": "Consent register in the contact-centre platform. Access: privacy team, marketing (read).",
        "recipients": [_META, _SMS],
    },
    "marketing": {
        "name": "Marketing messages and newsletters",
        "purposes": (
            "Sending offers and news about our banking and insurance products to customers "
            "who asked for them, by WhatsApp, SMS and e-mail."
        ),
        "legal_basis": LB.CONSENT,
        "legal_basis_detail": (
            "Consent per channel; it can be withdrawn at any time by replying STOP or in "
            "the privacy portal, and an objection (Art. 21(2)) is honoured at once."
        ),
        "subject_categories": "Customers who subscribed to a marketing list",
        "data_categories": ["identity", "contact", "marketing"],
        "special_categories": "",
        "retention_trigger": TRIGGER.CONSENT_WITHDRAWN,
        "retention_months": 0,
        "retention_text": "Until consent is withdrawn or the customer objects; then removed from every list within 2 days.",
        "security_measures": _SECURITY,
        "source": "The customer (sign-up); the list membership comes from the form or campaign they used.",
        "automated_decisions": True,
        "automated_logic": (
            "Segmentation, not a decision with legal or similarly significant effects "
            "(Art. 22): customers are placed in a segment by the products they hold and "
            "their age band (under 30, 30-55, over 55), which decides which newsletter "
            "they receive. No credit or insurance decision is based on it; you can object "
            "to it at any time."
        ),
        "systems": "Mailing service (Brevo). Access: marketing team.",
        "recipients": [
            _META,
            _SMS,
            {
                "name": "Sendinblue SAS (Brevo)",
                "kind": KIND.PROCESSOR,
                "purpose": "Mailing service: sends newsletters by e-mail",
                "country": "FR",
                "safeguard": SAFEGUARD.NONE_NEEDED,
                "safeguard_detail": "",
            },
        ],
    },
    "call-recording": {
        "name": "Recording of phone calls",
        "purposes": (
            "Recording calls with customers to prove instructions and advice given over "
            "the phone (MiFID II / Wft record keeping) and to train agents."
        ),
        "legal_basis": LB.LEGITIMATE_INTERESTS,
        "legal_basis_detail": (
            "Our legitimate interest in proving what was agreed and improving quality; "
            "callers are told at the start of the call and can ask to stop the recording."
        ),
        "subject_categories": "Callers: customers and others who call our service number",
        "data_categories": ["contact", "communication", "recording", "technical"],
        "special_categories": "",
        "retention_trigger": TRIGGER.COLLECTION,
        "retention_months": 6,
        "retention_text": "6 months after the call; longer only when a complaint or claim about the call is open.",
        "security_measures": _SECURITY + " Recordings are encrypted with keys held in the EU.",
        "source": "The call itself; the telephony platform (calling number, time, duration).",
        "automated_decisions": False,
        "automated_logic": "",
        "systems": "Telephony platform with recording storage. Access: quality team, complaints team.",
        "recipients": [
            {
                "name": "CallVault Inc.",
                "kind": KIND.PROCESSOR,
                "purpose": "Stores and transcribes call recordings",
                "country": "US",
                "safeguard": SAFEGUARD.SCC,
                "safeguard_detail": (
                    "EU Commission standard contractual clauses (2021/914, module 2) with a "
                    "transfer impact assessment; encryption keys stay in the EU."
                ),
            },
        ],
    },
    "payments": {
        "name": "Payments and bookkeeping",
        "purposes": "Collecting premiums and fees, refunds, and the bookkeeping the law requires.",
        "legal_basis": LB.LEGAL_OBLIGATION,
        "legal_basis_detail": (
            "Algemene wet inzake rijksbelastingen (AWR) art. 52 and Burgerlijk Wetboek "
            "2:10: keep the records of the administration for 7 years."
        ),
        "subject_categories": "Customers and former customers who paid or received money",
        "data_categories": ["identity", "financial"],
        "special_categories": "",
        "retention_trigger": TRIGGER.PAYMENT,
        "retention_months": 84,
        "retention_text": "7 years after the payment (AWR art. 52), then deleted by the billing system.",
        "security_measures": _SECURITY + " Bank-account numbers are stored masked.",
        "source": "The customer's bank (incoming payments); our billing system.",
        "automated_decisions": False,
        "automated_logic": "",
        "systems": "Billing system. Access: finance team; auditors during the audit.",
        "recipients": [
            {
                "name": "Belastingdienst (Dutch Tax and Customs Administration)",
                "kind": KIND.AUTHORITY,
                "purpose": "Receives bookkeeping records on request during a tax audit",
                "country": "NL",
                "safeguard": SAFEGUARD.NONE_NEEDED,
                "safeguard_detail": "",
            },
            {
                "name": "Accountantskantoor Voorbeeld & Co",
                "kind": KIND.CONTROLLER,
                "purpose": "Statutory auditor: checks the annual accounts",
                "country": "NL",
                "safeguard": SAFEGUARD.NONE_NEEDED,
                "safeguard_detail": "",
            },
        ],
    },
    "complaints": {
        "name": "Complaints handling",
        "purposes": (
            "Handling complaints about our products and service, and referring them to the "
            "Financial Services Complaints Institute (Kifid) when the customer asks."
        ),
        "legal_basis": LB.LEGAL_OBLIGATION,
        "legal_basis_detail": "Wft / Bgfo art. 4:17: financial firms must have a complaints procedure.",
        "subject_categories": "Customers, former customers and others who complain",
        "data_categories": ["identity", "contact", "communication", "contract"],
        "special_categories": "Only when the complainant includes it (e.g. health data in a claim complaint).",
        "retention_trigger": TRIGGER.FIXED,
        "retention_months": 60,
        "retention_text": "5 years after the complaint is closed.",
        "security_measures": _SECURITY,
        "source": "The complainant; Kifid when a complaint comes through them.",
        "automated_decisions": False,
        "automated_logic": "",
        "systems": "Complaints module of the CRM. Access: complaints team, compliance.",
        "recipients": [
            {
                "name": "Klachteninstituut Financiële Dienstverlening (Kifid)",
                "kind": KIND.CONTROLLER,
                "purpose": "Dispute resolution when the customer takes a complaint there",
                "country": "NL",
                "safeguard": SAFEGUARD.NONE_NEEDED,
                "safeguard_detail": "",
            },
        ],
    },
}


def demo_activity_codes() -> list[str]:
    """The activity codes the data map uses, in map order, then "complaints"."""
    dm = datamap.load(settings.DSAR_DATAMAP_PATH)
    codes = [t.activity for t in dm.tables if t.activity]
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


@transaction.atomic
def _seed_one(code: str, spec: dict[str, Any], *, by) -> bool:
    fields = {**_CONTROLLER, **{k: v for k, v in spec.items() if k != "recipients"}}
    recipients = sorted(spec["recipients"], key=lambda r: r["name"])
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
