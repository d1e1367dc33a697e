from django.contrib import admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from verification.models import PhoneDevice, VerificationLog


class NoChangeMixin:
    """Shown, never changed here: what proves a person's identity changes only through the
    services (codes, limits, one-time enrolment links), which audit it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# SECURITY: an authenticator is enrolled through a one-time link a manager issues, never by
# typing a key into the admin; and its key (django-otp's admin shows it as a QR code) would
# let whoever sees it sign in as its owner. A lost phone's device may be deleted here: its
# owner then needs a new enrolment link.
admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class StaffAuthenticatorAdmin(NoChangeMixin, admin.ModelAdmin):
    list_display = ["user", "name", "confirmed", "last_used_at"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


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
class VerificationLogAdmin(NoChangeMixin, admin.ModelAdmin):
    list_display = ["event", "device", "created_at"]
    list_filter = ["event"]
    date_hierarchy = "created_at"
