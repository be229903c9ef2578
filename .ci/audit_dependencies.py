#!/usr/bin/env python3
"""Audit requirements.lock with pip-audit, and say plainly what was and was not audited.

Known vulnerabilities fail (exit 1). An advisory source that cannot be reached, or that knows
none of the packages, is reported as "NOT audited" and does not fail the run: the audit then
did not happen, and the output says so instead of "no known vulnerabilities".
Usage: audit_dependencies.py [LOCK_FILE] (default requirements.lock); PIP_AUDIT names the tool.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SERVICES = ("pypi", "osv")  # pip-audit's advisory sources, tried in this order


def verdict(report: dict) -> tuple[str, list[str]]:
    """``("vulnerable" | "audited" | "unaudited", lines to print)`` for one pip-audit JSON report."""
    dependencies = report.get("dependencies", [])
    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    audited = [dep for dep in dependencies if not dep.get("skip_reason")]
    vulnerable = [dep for dep in audited if dep.get("vulns")]
    if vulnerable:
        lines = [
            f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {', '.join(vuln.get('fix_versions') or ['no release yet'])})"
            for dep in vulnerable
            for vuln in dep["vulns"]
        ]
        return "vulnerable", lines
    if not audited:
        return "unaudited", [f"the advisory source knew none of the {len(skipped)} packages"]
    lines = [f"{len(audited)} packages audited, no known vulnerabilities"]
    if skipped:
        lines.append(f"{len(skipped)} not audited: {', '.join(dep['name'] for dep in skipped)}")
    return "audited", lines


def run_service(tool: str, lock: Path, service: str) -> tuple[str, list[str]]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "audit.json"
        command = [tool, "--disable-pip", "--progress-spinner", "off", "-r", str(lock), "-s", service]
        command += ["-f", "json", "-o", str(out)]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            return "unaudited", [f"{service}: no answer within 300 s"]
        if not out.exists() or not out.read_text().strip():
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            return "unaudited", [f"{service}: the advisory source could not be reached ({last[:200]})"]
        status, lines = verdict(json.loads(out.read_text()))
        return status, [f"{service}: {line}" for line in lines]


def main(argv: list[str]) -> int:
    lock = Path(argv[1] if len(argv) > 1 else "requirements.lock")
    tool = os.environ.get("PIP_AUDIT", "pip-audit")
    notes: list[str] = []
    for service in SERVICES:
        status, lines = run_service(tool, lock, service)
        if status == "vulnerable":
            print(f"pip-audit: KNOWN VULNERABILITIES in {lock}:")
            print("\n".join(f"  {line}" for line in lines))
            return 1
        if status == "audited":
            print("\n".join(f"pip-audit: {line}" for line in lines))
            return 0
        notes += lines
    print(f"pip-audit: dependencies NOT audited: no advisory source could be used ({'; '.join(notes)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
