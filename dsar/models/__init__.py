"""dsar's models, split by sub-domain: requests and their work; the processing register."""

from dsar.models.ledger import RecipientNotice
from dsar.models.register import ProcessingActivity, Recipient, RegisterVersion
from dsar.models.requests import (
    REFERENCE_ALPHABET,
    AccessPackage,
    Approval,
    AuditEvent,
    Clarification,
    DataMapVersion,
    DataRequest,
    Job,
    JobTable,
    Notification,
    Reminder,
    RequesterDecision,
    StaffMail,
    Subject,
    new_reference,
)
from dsar.models.rights import Rectification, Restriction
from dsar.models.suppression import Suppression, SuppressionClient

__all__ = [
    "REFERENCE_ALPHABET",
    "AccessPackage",
    "Approval",
    "AuditEvent",
    "Clarification",
    "DataMapVersion",
    "DataRequest",
    "Job",
    "JobTable",
    "Notification",
    "ProcessingActivity",
    "Recipient",
    "RecipientNotice",
    "Rectification",
    "Restriction",
    "RegisterVersion",
    "Reminder",
    "StaffMail",
    "RequesterDecision",
    "Subject",
    "Suppression",
    "SuppressionClient",
    "new_reference",
]
