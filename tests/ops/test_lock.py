"""requirements.lock: every runtime pin, with hashes; the audit says what it did not audit."""

import importlib.util
import re

from django.conf import settings

import pytest

ROOT = settings.BASE_DIR
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?==(\S+)", re.M)


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path) -> dict[str, str]:
    return {normalise(name): version for name, version in PIN.findall(path.read_text())}


def lock_entries() -> list[str]:
    """Each package block of the lock: 'name==version \\ --hash=... # via ...'."""
    text = (ROOT / "requirements.lock").read_text()
    return [block for block in re.split(r"\n(?=[A-Za-z0-9])", text) if "==" in block.split("\n")[0]]


def test_lock_pins_every_runtime_requirement_at_its_version():
    required, locked = pins(ROOT / "requirements.txt"), pins(ROOT / "requirements.lock")
    assert {"django", "wagtail", "pillow", "modelsearch", "gunicorn", "psycopg"} <= set(required)
    wrong = {
        name: (version, locked.get(name)) for name, version in required.items() if locked.get(name) != version
    }
    assert not wrong, f"run `make lock`: {wrong}"


def test_every_locked_package_carries_a_sha256_hash():
    entries = lock_entries()
    assert len(entries) >= len(pins(ROOT / "requirements.txt"))
    for entry in entries:
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", entry), entry.split("\n")[0]


def test_lock_holds_the_transitive_packages_too():
    locked = pins(ROOT / "requirements.lock")
    assert {"asgiref", "sqlparse", "willow", "psycopg-binary", "tzlocal"} <= set(locked)


@pytest.fixture(scope="module")
def audit():
    spec = importlib.util.spec_from_file_location("audit_dependencies", ROOT / ".ci/audit_dependencies.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_audit_fails_on_a_known_vulnerability(audit):
    report = {
        "dependencies": [
            {"name": "pillow", "version": "1.0", "vulns": [{"id": "PYSEC-1", "fix_versions": ["1.1"]}]},
            {"name": "django", "version": "5.2", "vulns": []},
        ]
    }
    status, lines = audit.verdict(report)
    assert status == "vulnerable" and lines == ["pillow 1.0: PYSEC-1 (fixed in 1.1)"]


def test_audit_counts_what_it_audited(audit):
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2", "vulns": []},
            {"name": "x", "skip_reason": "unknown"},
        ]
    }
    status, lines = audit.verdict(report)
    assert status == "audited" and lines == [
        "1 packages audited, no known vulnerabilities",
        "1 not audited: x",
    ]


def test_audit_never_calls_all_skipped_a_clean_result(audit):
    report = {"dependencies": [{"name": "django", "skip_reason": "Dependency not found"}]}
    status, lines = audit.verdict(report)
    assert status == "unaudited" and "none of the 1 packages" in lines[0]


def test_audit_reports_an_unreachable_source_without_failing(audit, tmp_path, monkeypatch, capsys):
    tool = tmp_path / "pip-audit"
    tool.write_text("#!/bin/sh\necho 'ConnectionError: cannot reach the advisory source' >&2\nexit 1\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PIP_AUDIT", str(tool))
    assert audit.main(["audit", str(ROOT / "requirements.lock")]) == 0
    out = capsys.readouterr().out
    assert "NOT audited" in out and "could not be reached" in out
