"""`make demo ONCE=1` as a user runs it: the launcher starts the broker, Redis and the services
as processes, loads the scenario through the HTTP APIs, prints the report and exits 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from deploy.local.stack import REPO_ROOT

pytestmark = pytest.mark.e2e


def test_demo_once_loads_the_scenario_prints_the_report_and_exits_cleanly(tmp_path: Path) -> None:
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "deploy.local",
            "demo",
            "--once",
            "--data-dir",
            str(tmp_path / "stack"),
            "--out",
            str(tmp_path / "out"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = finished.stdout
    assert "Export readiness of the Sunda Kecil Expo catalogue" in report
    for province in ("Nusa Tenggara Timur", "Nusa Tenggara Barat", "Bali"):
        assert province in report
    assert "bpom missing" in report or "halal missing" in report
    assert "Sunda Kecil Expo 2019 — Gedung Sasando, Kupang, times in Asia/Makassar" in report
    assert "of a proven maximum" in report
    for delegate in ("Kenji Watanabe (JP", "Joaquim Soares (TL", "Chinedu Okafor (NG"):
        assert delegate in report
    assert "Table " in report  # agendas list meetings with their tables
    assert "Matching: top sellers for each of 22 delegates" in report
    assert "via the Indonesian term" in report  # English interests found Indonesian products
    assert "Traceback" not in finished.stderr
    assert "fulfilment" in report and (tmp_path / "out" / "demo-report.json").exists()
