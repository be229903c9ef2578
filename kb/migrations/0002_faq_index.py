"""Give a fresh site its FAQ: the index page at /faq/ under the home page, page permissions for
Editors and Staff on it (add, edit, publish, lock), and an "FAQ review" workflow whose approval
task is for Editors and Staff, so the FAQ's moderation does not fall to forum moderators."""

from django.db import migrations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEPLEN = 4
GROUPS = ("Editors", "Staff")
PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page")


def _segment(number: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, len(ALPHABET))
        digits = ALPHABET[rest] + digits
    return digits.rjust(STEPLEN, "0")


def create_faq(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    HomePage = apps.get_model("home", "HomePage")
    FaqIndexPage = apps.get_model("kb", "FaqIndexPage")

    home = HomePage.objects.order_by("path").first()
    if home is None or FaqIndexPage.objects.exists():
        return
    content_type, _ = ContentType.objects.get_or_create(app_label="kb", model="faqindexpage")
    siblings = Page.objects.filter(depth=home.depth + 1, path__startswith=home.path)
    last = siblings.order_by("-path").values_list("path", flat=True).first()
    next_number = int(last[-STEPLEN:], len(ALPHABET)) + 1 if last else 1
    if siblings.filter(slug="faq").exists():
        return  # someone already made a page at /faq/; leave their tree alone
    faq = FaqIndexPage.objects.create(
        title="Frequently asked questions",
        draft_title="Frequently asked questions",
        slug="faq",
        content_type=content_type,
        path=home.path + _segment(next_number),
        depth=home.depth + 1,
        numchild=0,
        url_path=f"{home.url_path}faq/",
        locale_id=home.locale_id,
        live=True,
        has_unpublished_changes=False,
        intro="<p>Answers to the questions our customers ask most, written by our team and grown from the community.</p>",
    )
    Page.objects.filter(pk=home.pk).update(numchild=siblings.count())

    page_ct, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="page")
    permissions = []
    for codename in PAGE_PERMISSIONS:
        permission, _ = Permission.objects.get_or_create(
            content_type=page_ct, codename=codename, defaults={"name": codename.replace("_", " ")}
        )
        permissions.append(permission)
    groups = [Group.objects.get_or_create(name=name)[0] for name in GROUPS]
    for group in groups:
        for permission in permissions:
            GroupPagePermission.objects.get_or_create(group=group, page_id=faq.pk, permission=permission)

    task_ct, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    task = GroupApprovalTask.objects.create(name="FAQ editor review", content_type=task_ct, active=True)
    task.groups.set(groups)
    workflow = Workflow.objects.create(name="FAQ review", active=True)
    WorkflowTask.objects.create(workflow=workflow, task_id=task.pk, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page_id=faq.pk)


def remove_faq(apps, schema_editor):
    """The pages and their content belong to the site now; reversing leaves them."""


class Migration(migrations.Migration):
    dependencies = [
        ("kb", "0001_initial"),
        ("home", "0002_create_homepage"),
        ("accounts", "0002_roles"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(create_faq, remove_faq)]
