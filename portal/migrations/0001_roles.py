from django.db import migrations


def forwards(apps, schema_editor):
    from portal.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("dsar", "0002_audit_append_only"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
