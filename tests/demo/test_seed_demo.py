from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

import pytest
from allauth.account.models import EmailAddress

from accounts.models import User
from demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD


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


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_seed_demo_prints_the_logins_last_even_after_the_index_rebuild():
    from io import StringIO

    out = StringIO()
    call_command("seed_demo", "--index", stdout=out)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    tail = lines[-len(DEMO_ACCOUNTS) :]
    assert [line.split()[0] for line in tail] == [email for _u, email, _n, _g, _s in DEMO_ACCOUNTS]
    assert all(DEMO_PASSWORD in line for line in tail)
    assert "Sign in with any of these" in lines[-len(DEMO_ACCOUNTS) - 1]
    assert any("docs/s" in line for line in lines)  # update_index ran, before the logins


def test_make_run_seeds_with_the_index_rebuild_and_install_leaves_out_the_semantic_weights():
    """`make run` prints the logins last (seed_demo --index, then the server); `make install`
    installs only what the site and its tests need; `make test` adds the semantic weights."""
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "seed_demo --index" in run and "update_index" not in run.replace("seed_demo --index", "")
    installed = makefile.split("$(VENV)/.installed:", 1)[1].split("\n\n", 1)[0]
    assert "requirements-semantic" not in installed
    assert "\ntest: install-semantic" in makefile
