"""The udev rules run through `udevadm test` on fake devices: optical drives and SCSI
medium changers get the daemon's group and tags, other SCSI devices are left alone."""

import os
import shutil
import subprocess

import pytest

from conftest import REPOSITORY


@pytest.mark.skipif(os.geteuid() != 0, reason="the check mounts tmpfs in a private namespace")
@pytest.mark.skipif(shutil.which("udevadm") is None, reason="udevadm is not installed")
def test_rules_apply_to_drives_and_changers():
    result = subprocess.run([str(REPOSITORY / "scripts" / "check-udev-rules")],
                            capture_output=True, text=True, timeout=180)

    assert result.returncode == 0, result.stdout + result.stderr
