from django.db import migrations


def forwards(apps, schema_editor):
    from portal.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    """Managers keep the processing register: give the roles their current permissions."""

    dependencies = [("portal", "0001_roles"), ("dsar", "0006_register")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
