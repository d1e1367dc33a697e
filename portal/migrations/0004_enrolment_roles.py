from django.db import migrations


def forwards(apps, schema_editor):
    from portal.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    """Managers issue authenticator enrolment links: give the roles their current permissions."""

    dependencies = [("portal", "0003_enrolment_links")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
