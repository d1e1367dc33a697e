from django.contrib import admin

from dsar import register
from dsar.models import (
    AccessPackage,
    AuditEvent,
    DataRequest,
    Job,
    JobTable,
    Notification,
    ProcessingActivity,
    Recipient,
    RegisterVersion,
    Subject,
    Suppression,
    SuppressionClient,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed here: these records change only through the services, which
    enforce the rules (four-eyes, the legal clock, the audit trail)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Subject)
class SubjectAdmin(ReadOnlyAdmin):
    # SECURITY: changing a subject's number would hand their requests and downloads to
    # whoever controls the new number.
    list_display = ["id", "number", "language", "created_at"]
    search_fields = ["number"]


@admin.register(DataRequest)
class DataRequestAdmin(ReadOnlyAdmin):
    # SECURITY: kind, dates, clock and decisions are changed by dsar.casework only, with
    # four-eyes and an audit event; the staff case page is where work happens.
    list_display = ["reference", "kind", "status", "received_on", "due_on"]
    list_filter = ["kind", "status"]
    search_fields = ["reference", "subject__number"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    # Sent and retried by the outbox; a changed state would hide or repeat a notice.
    list_display = ["data_request", "kind", "state", "gateway", "sent_at"]
    list_filter = ["kind", "state"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "action", "data_request", "actor_kind", "actor", "created_at"]
    list_filter = ["action", "actor_kind"]


class JobTableInline(admin.TabularInline):
    model = JobTable
    fields = ["position", "source", "table", "state", "rows", "report", "finished_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    # Claimed, leased and finished by the job runner; its end moves the case.
    list_display = ["id", "data_request", "kind", "state", "attempts", "created_at", "finished_at"]
    list_filter = ["kind", "state"]
    inlines = [JobTableInline]


@admin.register(AccessPackage)
class AccessPackageAdmin(ReadOnlyAdmin):
    # Its SHA-256 is what the approver approved; its expiry is the customer's download window.
    list_display = ["id", "data_request", "kind", "size", "created_at", "expires_at", "downloads"]


class RecipientInline(admin.TabularInline):
    model = Recipient
    extra = 0


@admin.register(ProcessingActivity)
class ProcessingActivityAdmin(admin.ModelAdmin):
    """Managers keep the register here; every save is versioned and audited."""

    list_display = ["name", "code", "legal_basis", "retention_months", "version", "updated_at"]
    search_fields = ["name", "code"]
    readonly_fields = ["version", "updated_at"]
    inlines = [RecipientInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        register.record_change(
            activity=form.instance, by=request.user, action="changed" if change else "created"
        )

    def has_delete_permission(self, request, obj=None):
        # An activity that ends is kept in the register's history, not deleted.
        return False


@admin.register(RegisterVersion)
class RegisterVersionAdmin(admin.ModelAdmin):
    list_display = ["number", "activity_code", "action", "changed_by", "changed_at"]
    readonly_fields = [f.name for f in RegisterVersion._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    # A keyed hash, a channel and a date: nothing here names a person.
    list_display = ["digest", "channel", "reason", "since"]
    list_filter = ["channel", "reason"]


@admin.register(SuppressionClient)
class SuppressionClientAdmin(admin.ModelAdmin):
    """Client systems of the suppression-list endpoint: switched off here; created, and
    given new tokens, with `manage.py suppression_client` (the token is shown once)."""

    list_display = ["name", "prefix", "active", "created_at", "last_used_at"]
    fields = ["name", "prefix", "active", "created_at", "last_used_at"]
    readonly_fields = ["name", "prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
