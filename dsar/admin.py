from django.contrib import admin

from dsar.models import AuditEvent, DataRequest, Notification, Subject


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
