"""Staff roles: groups and the permissions each carries.

Privacy staff work cases; approvers may approve a response someone else prepared;
managers see every case and the compliance dashboard but change nothing in a case; they
keep the processing register and issue authenticator enrolment links.
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
        # Managers let a member of staff set up an authenticator (portal/enrolment.py).
        "portal.add_enrolmentlink",
    ],
}


def sync_roles(apps) -> None:
    """Create the groups and give each exactly its permissions (used by data migrations).

    A permission whose model does not exist yet at that migration is left out: the
    migration that follows its model runs this again.
    """
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
            found = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if found is not None:
                wanted.append(found)
        group.permissions.set(wanted)
