"""`make run` serves on PORT and tells the site so: every command it runs sees SITE_URL."""

import shutil
import subprocess

from django.conf import settings

import pytest


@pytest.mark.parametrize(
    "args, expected", [(["PORT=8123"], "http://127.0.0.1:8123"), ([], "http://127.0.0.1:8000")]
)
def test_make_run_exports_site_url_for_the_served_port(tmp_path, args, expected):
    make = shutil.which("make")
    assert make, "make is needed to run the project's commands"
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / ".installed").touch()  # newer than the requirements: nothing to install
    # Each command of the recipe becomes "printenv SITE_URL # manage.py ...".
    result = subprocess.run(
        [make, "-s", "run", f"VENV={venv}", "PY=printenv SITE_URL #", *args],
        cwd=settings.BASE_DIR,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split()
    assert lines and set(lines) == {expected}
