from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

import pytest
from allauth.account.models import EmailAddress

from accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from accounts.models import User


def _row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table.startswith(("django_session", "django_tasks")):
                continue
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - table names from introspection
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_seed_demo_creates_accounts_with_roles_and_verified_email():
    call_command("seed_demo")
    for _username, email, _name, groups, superuser in DEMO_ACCOUNTS:
        user = User.objects.get(email=email)
        assert user.check_password(DEMO_PASSWORD)
        assert user.is_superuser is superuser
        assert set(user.groups.values_list("name", flat=True)) == set(groups)
        assert EmailAddress.objects.get(user=user).verified


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_seed_demo_twice_creates_nothing_twice():
    call_command("seed_demo")
    before = _row_counts()
    call_command("seed_demo")
    assert _row_counts() == before


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_seed_demo_refuses_without_debug():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.filter(email="customer@example.com").exists()


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_demo_login_works(client):
    call_command("seed_demo")
    response = client.post("/accounts/login/", {"login": "staff@example.com", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
