"""deploy/: the environment file lists every variable the settings read, and the units and the
nginx site agree with each other and with it."""

import configparser
import re

from django.conf import settings

import pytest

ROOT = settings.BASE_DIR
ENV_READ = re.compile(
    r"""(?:\benv(?:_bool|_int|_float|_list)?\(\s*|os\.environ(?:\.get)?[\[(]\s*|os\.getenv\(\s*)["']([A-Z][A-Z0-9_]+)["']"""
)
ENV_EXAMPLE_LINE = re.compile(r"^#?\s?([A-Z][A-Z0-9_]+)=(.*)$")
# Read by something other than the settings: Django's entry points, django-storages (boto3 credentials).
READ_ELSEWHERE = {"DJANGO_SETTINGS_MODULE", "AWS_S3_ACCESS_KEY_ID", "AWS_S3_SECRET_ACCESS_KEY"}
UNITS = {
    "web": ROOT / "deploy/systemd/community-web.service",
    "worker": ROOT / "deploy/systemd/community-worker.service",
    "scheduler": ROOT / "deploy/systemd/community-scheduler.service",
}
NGINX = ROOT / "deploy/nginx/community.conf"


def settings_env_reads() -> set[str]:
    names = set()
    for path in (ROOT / "config").rglob("*.py"):
        names |= set(ENV_READ.findall(path.read_text()))
    return names


def env_example() -> dict[str, str]:
    entries = {}
    for line in (ROOT / "deploy/.env.example").read_text().splitlines():
        match = ENV_EXAMPLE_LINE.match(line)
        if match:
            entries[match.group(1)] = match.group(2)
    return entries


def test_the_env_read_pattern_finds_each_kind_of_read():
    sample = (
        'env("AB") env_int("CD", 1) env_bool( "DE") env_list("EF") env_float("FG", 0.1) '
        'os.environ.get("GH") os.environ["HI"] os.getenv("IJ") print("KL")'
    )
    assert set(ENV_READ.findall(sample)) == {"AB", "CD", "DE", "EF", "FG", "GH", "HI", "IJ"}


def test_settings_read_many_variables():
    reads = settings_env_reads()
    assert {
        "SITE_URL",
        "DATABASE_URL",
        "REDIS_URL",
        "SENTRY_DSN",
        "TRUSTED_PROXY_COUNT",
        "MEDIA_STORAGE",
    } <= reads


def test_env_example_lists_every_variable_the_settings_read():
    missing = settings_env_reads() - set(env_example())
    assert not missing, f"add to deploy/.env.example: {sorted(missing)}"


def test_env_example_lists_each_variable_once():
    names = [
        match.group(1)
        for line in (ROOT / "deploy/.env.example").read_text().splitlines()
        if (match := ENV_EXAMPLE_LINE.match(line))
    ]
    twice = sorted({name for name in names if names.count(name) > 1})
    assert not twice, f"listed more than once in deploy/.env.example: {twice}"


def test_env_example_lists_nothing_the_settings_do_not_read():
    stale = set(env_example()) - settings_env_reads() - READ_ELSEWHERE
    assert not stale, f"not read by any setting: {sorted(stale)}"


def test_env_example_sets_what_production_requires():
    entries = env_example()
    text = (ROOT / "deploy/.env.example").read_text()
    for name in (
        "DJANGO_SECRET_KEY",
        "SITE_URL",
        "DEFAULT_FROM_EMAIL",
        "DATABASE_URL",
        "REDIS_URL",
        "EMAIL_BACKEND",
    ):
        assert re.search(rf"^{name}=", text, re.M), f"{name} must be set, not commented out"
    assert entries["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
    assert entries["SITE_URL"].startswith("https://")
    assert entries["TRUSTED_PROXY_COUNT"] == "1"  # nginx alone in front
    assert entries["TASKS_BACKEND"] == "database"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string(UNITS[name].read_text())
    return parser


@pytest.mark.parametrize("name", sorted(UNITS))
def test_units_run_as_the_site_user_with_the_environment_file_and_restart(name):
    service = unit(name)["Service"]
    assert service["User"] == "community"
    assert service["EnvironmentFile"] == "/etc/community/community.env"
    assert service["Restart"] == "always"
    assert service["ReadWritePaths"] == env_example()["VAR_DIR"]
    assert unit(name)["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.parametrize(
    "name, command",
    [
        ("web", "gunicorn config.wsgi"),
        ("worker", "manage.py db_worker"),
        ("scheduler", "manage.py run_scheduler"),
    ],
)
def test_each_unit_starts_its_process(name, command):
    assert command in " ".join(unit(name)["Service"]["ExecStart"].replace("\\", " ").split())


def test_nginx_proxies_to_the_address_gunicorn_binds():
    bind = re.search(r"--bind (\S+)", unit("web")["Service"]["ExecStart"]).group(1)
    assert f"server {bind}" in NGINX.read_text()


@pytest.mark.parametrize(
    "directive",
    [
        "listen 443 ssl http2;",
        "ssl_certificate ",
        "ssl_certificate_key ",
        "return 301 https://$host$request_uri;",
        "client_max_body_size ",
        "gzip on;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_set_header Host $http_host;",
        "proxy_set_header X-Request-ID $request_id;",
    ],
)
def test_nginx_site_terminates_tls_and_forwards_the_client(directive):
    assert directive in NGINX.read_text()


def nginx_block(text: str, opening: str) -> str:
    """The text of the block that starts at ``opening`` (balanced braces)."""
    start = text.index(opening)
    depth = 0
    for position in range(text.index("{", start), len(text)):
        depth += {"{": 1, "}": -1}.get(text[position], 0)
        if depth == 0:
            return text[start : position + 1]
    raise AssertionError(f"unbalanced block {opening}")


def test_nginx_serves_static_and_media_from_the_configured_folders():
    text = NGINX.read_text()
    entries = env_example()
    assert f"alias {entries['STATIC_ROOT']}/;" in nginx_block(text, "location /static/")
    media = nginx_block(text, "location /media/")
    root = re.search(r"root (\S+);", media).group(1)
    assert f"{root}/media" == entries["MEDIA_ROOT"]


def test_nginx_never_serves_an_upload_as_something_that_runs():
    media = nginx_block(NGINX.read_text(), "location /media/")
    types = nginx_block(media, "types {")
    assert set(re.findall(r"(\S+/\S+)", types)) == {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/avif",
    }
    assert "default_type application/octet-stream;" in media
    outer = media.replace(nginx_block(media, "location ~*"), "")
    assert 'add_header Content-Disposition "attachment" always;' in outer
    # add_header in a nested block replaces the outer ones: the image block repeats nosniff.
    for block in (outer, nginx_block(media, "location ~*")):
        assert "add_header X-Content-Type-Options nosniff always;" in block
        assert "sandbox" in block


def test_nginx_leaves_documents_to_wagtails_view():
    assert "return 404;" in nginx_block(NGINX.read_text(), "location ^~ /media/documents/")


def test_env_example_reads_the_same_in_a_shell_as_in_systemd():
    """community-manage sources the file with sh; systemd reads it as EnvironmentFile. Values
    with spaces or "<" are quoted so both see the same value."""
    import subprocess

    result = subprocess.run(
        [
            "sh",
            "-c",
            'set -a; . "$0"; set +a; printf "%s|%s" "$DEFAULT_FROM_EMAIL" "$SITE_URL"',
            str(ROOT / "deploy/.env.example"),
        ],
        capture_output=True,
        text=True,
        timeout=10,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Acme Community <community@help.example.com>|https://help.example.com"


def test_the_worker_takes_back_its_own_orphaned_tasks_before_starting():
    service = unit("worker")["Service"]
    worker_id = re.search(r"--worker-id (\S+)", service["ExecStart"]).group(1)
    assert f"manage.py requeue_orphaned_tasks --worker-id {worker_id}" in service["ExecStartPre"]
