"""Forum moderators handle flags, hiding and bans; they do not publish pages.

Wagtail's initial data gives its "Moderators" group add, edit and publish rights on the whole
page tree. Our role of that name is the forum's moderators, so those page rights are removed;
the FAQ belongs to Editors and Staff (see kb's migrations)."""

from django.db import migrations


def remove_page_rights(apps, schema_editor):
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupPagePermission.objects.filter(group__name="Moderators").delete()


def keep(apps, schema_editor):
    """Nothing to restore: give page rights back in the admin if a site wants them."""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roles"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(remove_page_rights, keep)]
