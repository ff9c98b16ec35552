"""The deployment files agree with the package: the systemd unit and the Dockerfile start
the installed console script, keep state in one place, and never run as root."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

UNIT = ROOT / "deploy" / "reclaim-your-face-bot.service"
DOCKERFILE = ROOT / "Dockerfile"


def script_name() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (name,) = project["project"]["scripts"]
    return str(name)


def unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def test_the_unit_runs_the_script_as_a_dynamic_user_with_its_state_directory() -> None:
    unit = unit_settings()
    assert unit["ExecStart"] == [f"/opt/reclaim-your-face-bot/bin/{script_name()} run"]
    assert unit["DynamicUser"] == ["yes"] and unit["NoNewPrivileges"] == ["yes"]
    state = unit["StateDirectory"][0]
    assert f"BOT_DATA_DIR=%S/{state}" in unit["Environment"]
    assert unit["EnvironmentFile"] == ["/etc/reclaim-your-face-bot/env"]
    cache = unit["CacheDirectory"][0]  # the trained model: in /var/cache, never in a home
    assert f"BOT_CACHE_DIR=%C/{cache}" in unit["Environment"]
    # the token lives in the root-only environment file, never in the unit
    assert not any(value.startswith("TELEGRAM_BOT_TOKEN") for value in unit["Environment"])


def test_the_image_runs_the_script_unprivileged_with_a_data_volume() -> None:
    lines = DOCKERFILE.read_text(encoding="utf-8").splitlines()
    assert f'ENTRYPOINT ["{script_name()}"]' in lines and 'CMD ["run"]' in lines
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}
    assert 'VOLUME ["/data"]' in lines
    assert any("BOT_DATA_DIR=/data" in line for line in lines)
    assert any("BOT_CACHE_DIR=/cache" in line for line in lines)  # the user has no home


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    installed = Path(sys.executable).parent / script_name()
    if not installed.exists():
        pytest.skip("the console script is not installed next to this Python")
    unit = tmp_path / UNIT.name
    unit.write_text(
        UNIT.read_text(encoding="utf-8").replace(
            f"/opt/reclaim-your-face-bot/bin/{script_name()}", str(installed)
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
