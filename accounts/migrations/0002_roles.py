"""Create the site's roles as groups.

Staff answer officially, set statuses, mark duplicates and lock; Moderators handle flags, hide
and ban; Editors (Wagtail's own group) curate the FAQ. Staff and Moderators get into the Wagtail
admin for their queues and reports. Wagtail's migrations create Editors and Moderators first.
"""

from django.db import migrations

ROLE_GROUPS = ("Staff", "Moderators", "Editors")


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    admin_ct, _ = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    access_admin, _ = Permission.objects.get_or_create(
        content_type=admin_ct, codename="access_admin", defaults={"name": "Can access Wagtail admin"}
    )
    for name in ROLE_GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(access_admin)


def remove_nothing(apps, schema_editor):
    """Groups may hold members by now; reversing leaves them in place."""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(create_roles, remove_nothing)]
