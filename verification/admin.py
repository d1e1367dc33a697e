from django.contrib import admin

from verification.models import PhoneDevice, VerificationLog


@admin.register(PhoneDevice)
class PhoneDeviceAdmin(admin.ModelAdmin):
    # The code hash and binding are never shown; numbers are visible to staff only.
    list_display = ["id", "number", "throttling_failure_count", "last_generated_timestamp"]
    search_fields = ["number"]
    exclude = ["token", "binding"]
    readonly_fields = [
        "number",
        "valid_until",
        "throttling_failure_timestamp",
        "last_generated_timestamp",
    ]


@admin.register(VerificationLog)
class VerificationLogAdmin(admin.ModelAdmin):
    list_display = ["event", "device", "created_at"]
    list_filter = ["event"]
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None):
        return False
