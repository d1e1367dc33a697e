from django.contrib import admin, messages

from dsar import jobs, register
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
)


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["id", "number", "language", "created_at"]
    search_fields = ["number"]


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin):
    list_display = ["reference", "kind", "status", "received_on", "due_on"]
    list_filter = ["kind", "status"]
    search_fields = ["reference", "subject__number"]
    # Status changes go through dsar.services only.
    readonly_fields = ["reference", "subject", "status", "received_at", "received_on", "due_on"]
    actions = ["run_discovery", "build_package", "run_erasure"]

    def _start(self, request, queryset, kind: str) -> None:
        # Until the staff queue exists, staff start execution here (issue 3).
        for dr in queryset:
            try:
                job = jobs.start_job(data_request=dr, kind=kind, by=request.user)
            except jobs.JobFailed as e:
                self.message_user(request, f"{dr.reference}: {e.message}", messages.ERROR)
            else:
                self.message_user(request, f"{dr.reference}: {job} queued.", messages.SUCCESS)

    @admin.action(description="Run discovery (find the subject's data)", permissions=["work"])
    def run_discovery(self, request, queryset):
        self._start(request, queryset, Job.Kind.DISCOVER)

    @admin.action(description="Build the access or export package", permissions=["work"])
    def build_package(self, request, queryset):
        self._start(request, queryset, Job.Kind.PACKAGE)

    @admin.action(description="Run the erasure", permissions=["work"])
    def run_erasure(self, request, queryset):
        self._start(request, queryset, Job.Kind.ERASE)

    def has_work_permission(self, request) -> bool:
        return request.user.has_perm("dsar.work_datarequest")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["data_request", "kind", "state", "gateway", "sent_at"]
    list_filter = ["kind", "state"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["seq", "action", "data_request", "actor_kind", "actor", "created_at"]
    list_filter = ["action", "actor_kind"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class JobTableInline(admin.TabularInline):
    model = JobTable
    fields = ["position", "source", "table", "state", "rows", "report", "finished_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "data_request", "kind", "state", "attempts", "created_at", "finished_at"]
    list_filter = ["kind", "state"]
    readonly_fields = [f.name for f in Job._meta.fields]
    inlines = [JobTableInline]

    def has_add_permission(self, request):
        return False


@admin.register(AccessPackage)
class AccessPackageAdmin(admin.ModelAdmin):
    list_display = ["id", "data_request", "kind", "size", "created_at", "expires_at", "downloads"]
    readonly_fields = [f.name for f in AccessPackage._meta.fields]

    def has_add_permission(self, request):
        return False


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
