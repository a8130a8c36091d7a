"""End to end: the simulated front panel on the embedded default. Its LEDs follow the jobs,
and its buttons, pressed through mediacenterctl, act on them."""

import json
import os
import subprocess
import time
from pathlib import Path

import pydicom
import pytest

from conftest import REPOSITORY, sample_file

LEDS = ("ready", "busy", "error", "media_needed")


def panel(daemon) -> dict:
    """Returns `panel --json` as a dictionary."""
    return json.loads(daemon.ctl("panel", "--json").stdout)


def wait_for_panel(daemon, predicate, timeout: float = 60) -> dict:
    """Polls `panel --json` until `predicate(panel)` holds."""
    deadline = time.monotonic() + timeout
    state = panel(daemon)
    while not predicate(state):
        if time.monotonic() > deadline:
            pytest.fail(f"the panel did not reach the expected state: {state}\n{daemon.log()}")
        time.sleep(0.1)
        state = panel(daemon)
    return state


def send_ct(daemon, folder: Path) -> None:
    """Sends a copy of CT_small.dcm with a new SOP Instance UID."""
    dataset = pydicom.dcmread(sample_file("CT_small.dcm"))
    dataset.SOPInstanceUID = pydicom.uid.generate_uid()
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    path = folder / "ct.dcm"
    dataset.save_as(path, enforce_file_format=True)
    daemon.storescu(path)


class TestPanel:
    def test_idle_daemon_shows_ready(self, daemon):
        state = panel(daemon)

        assert state["backend"] == "simulated"
        assert state["activity"] == "idle"
        assert state["errorUnacknowledged"] is False
        assert state["leds"] == {"ready": "on", "busy": "off", "error": "off",
                                 "media_needed": "off"}

    def test_press_burn_runs_job_and_changes_leds(self, daemon, tmp_path):
        send_ct(daemon, tmp_path)
        receiving = panel(daemon)

        pressed = daemon.ctl("press", "burn")
        jobs = daemon.wait_for_jobs(lambda jobs: jobs[0]["state"] in ("done", "failed"))
        burned = wait_for_panel(daemon, lambda state: state["activity"] == "idle")

        assert receiving["activity"] == "receiving"
        assert receiving["leds"]["ready"] == "on"
        assert receiving["leds"]["busy"] == "blinking"
        assert pressed.stdout.strip() == f"queued jobs {jobs[0]['id']}"
        assert jobs[0]["state"] == "done", jobs
        assert jobs[0]["discs"][0]["verified"] is True
        assert burned["leds"]["busy"] == "off"
        assert burned["leds"]["ready"] == "on"
        assert daemon.log_lines("panel button burn pressed on the console", "queued jobs")

    def test_press_burn_with_nothing_receiving(self, daemon):
        pressed = daemon.ctl("press", "burn")

        assert pressed.stdout.strip() == "no patient is receiving, so nothing was queued"
        assert daemon.jobs() == []

    def test_plain_text_fits_80_columns(self, daemon):
        text = daemon.ctl("panel").stdout

        lines = text.splitlines()
        assert all(len(line) <= 80 for line in lines), text
        for led in LEDS:
            assert any(line.split() == [led, "on"] or line.split() == [led, "off"]
                       for line in lines), text
        assert "State: idle" in text

    def test_eject_when_idle(self, daemon, tmp_path):
        send_ct(daemon, tmp_path)
        daemon.ctl("burn", "--all")
        daemon.wait_for_jobs(lambda jobs: jobs[0]["state"] == "done")

        ejected = daemon.ctl("press", "eject")
        as_json = json.loads(daemon.ctl("press", "eject", "--json").stdout)

        assert ejected.stdout.strip() == "ejected virtual0, virtual1"
        assert as_json["message"] == "ejected virtual0, virtual1"
        assert as_json["panel"]["activity"] == "idle"

    def test_unknown_button_is_invalid_command_line(self, daemon):
        result = daemon.ctl("press", "open", check=False)

        assert result.returncode == 2
        assert "burn, eject or cancel" in result.stderr

    def test_failed_job_lights_error_until_long_cancel(self, make_daemon, tmp_path):
        # Two written discs in a row with at most one reject allowed fail the job.
        daemon = make_daemon("--completion-timeout", "600", "--simulated-supply",
                             "written,written", "--max-consecutive-rejects", "1")
        send_ct(daemon, tmp_path)
        daemon.ctl("press", "burn")
        daemon.wait_for_jobs(lambda jobs: jobs[0]["state"] == "failed")

        failed = wait_for_panel(daemon, lambda state: state["errorUnacknowledged"])
        short = daemon.ctl("press", "cancel", check=False)
        still_failed = panel(daemon)
        long = daemon.ctl("press", "cancel", "--long")
        acknowledged = panel(daemon)

        assert failed["leds"]["error"] == "blinking"
        assert failed["leds"]["ready"] == "on"
        assert short.returncode == 1
        assert "not available yet" in short.stderr
        assert still_failed["leds"]["error"] == "blinking"
        assert long.stdout.strip().startswith("acknowledged 1 failed job")
        assert acknowledged["leds"]["error"] == "off"
        assert acknowledged["errorUnacknowledged"] is False

        # The acknowledgement is kept across a restart.
        assert daemon.stop() == 0
        daemon.start()
        assert panel(daemon)["leds"]["error"] == "off"

    def test_retried_job_failing_again_lights_error(self, make_daemon, tmp_path):
        daemon = make_daemon("--completion-timeout", "600", "--simulated-supply",
                             "written,written,written,written", "--max-consecutive-rejects", "1")
        send_ct(daemon, tmp_path)
        daemon.ctl("burn", "--all")
        job = daemon.wait_for_jobs(lambda jobs: jobs[0]["state"] == "failed")[0]
        daemon.ctl("press", "cancel", "--long")

        daemon.ctl("retry", str(job["id"]))
        # updatedAt has whole seconds only, so the log distinguishes the second failure.
        deadline = time.monotonic() + 60
        while len(daemon.log_lines("jobs error: job failed")) < 2:
            assert time.monotonic() < deadline, daemon.log()
            time.sleep(0.1)

        assert wait_for_panel(daemon, lambda state: state["errorUnacknowledged"])


@pytest.mark.skipif(Path("/dev/gpiochip0").exists(),
                    reason="this machine has gpiochip0, so the GPIO panel would open")
class TestGpioFallback:
    BOARD = str(REPOSITORY / "board" / "raspberry-pi-4.conf")

    def test_missing_chip_falls_back_to_simulated(self, make_daemon):
        daemon = make_daemon("--panel", "gpio", "--panel-board", self.BOARD)

        assert panel(daemon)["backend"] == "simulated"
        warnings = daemon.log_lines("GPIO chip not found: gpiochip0", "simulated front panel")
        assert warnings, daemon.log()
        assert "raspberry-pi-4.conf:11" in warnings[0]
        selftest = daemon.ctl("selftest", check=False)
        assert selftest.returncode == 1
        assert "the GPIO panel could not be opened" in " ".join(selftest.stdout.split())

    def test_missing_chip_without_fallback_stops_daemon(self, tmp_path):
        from conftest import binary_folder

        result = subprocess.run(
            [str(binary_folder() / "mediacenterd"), "--config", "/dev/null", "--data-dir",
             str(tmp_path / "data"), "--bind-address", "127.0.0.1", "--port", "1",
             "--panel", "gpio", "--panel-board", self.BOARD, "--panel-fallback", "none"],
            capture_output=True, text=True, timeout=60,
            env={k: v for k, v in os.environ.items() if k != "JOURNAL_STREAM"})

        assert result.returncode == 1
        assert "GPIO chip not found: gpiochip0" in result.stderr
