"""Staff roles: groups and the permissions each carries.

Privacy staff work cases; approvers may approve a response someone else prepared;
managers see every case and the compliance dashboard but change nothing.
"""

from __future__ import annotations

PRIVACY_STAFF = "Privacy staff"
APPROVERS = "Approvers"
MANAGERS = "Managers"

ROLES: dict[str, list[str]] = {
    PRIVACY_STAFF: ["dsar.work_datarequest", "dsar.view_datarequest"],
    APPROVERS: ["dsar.approve_datarequest", "dsar.view_datarequest"],
    MANAGERS: [
        "dsar.view_compliance",
        "dsar.view_datarequest",
        # Managers keep the processing register (Art. 30).
        "dsar.view_processingactivity",
        "dsar.add_processingactivity",
        "dsar.change_processingactivity",
        "dsar.view_recipient",
        "dsar.add_recipient",
        "dsar.change_recipient",
        "dsar.delete_recipient",
        "dsar.view_registerversion",
    ],
}


def sync_roles(apps) -> None:
    """Create the groups and give each exactly its permissions (used by a data migration)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)
