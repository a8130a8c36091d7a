"""End to end: the real daemon reads its configuration file, rejects an invalid one, and
serves the AE titles and port the file sets."""

import json
import os
import subprocess
from pathlib import Path

import pydicom

from conftest import ECHOSCU, Daemon, extract_disc, free_port, sample_file


def write_config(path: Path, **settings) -> Path:
    """Writes a configuration file with a comment line and one `key = value` per setting."""
    lines = ["# written by the end-to-end tests"]
    lines += [f"{key} = {value}" for key, value in settings.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def echo(port: int, called_ae: str) -> subprocess.CompletedProcess:
    """Sends one C-ECHO with DCMTK's echoscu to 127.0.0.1:`port`, addressed to `called_ae`."""
    return subprocess.run(
        [ECHOSCU, "-aet", "TESTSCU", "-aec", called_ae, "127.0.0.1", str(port)],
        capture_output=True, text=True, timeout=60, env=dict(os.environ, TCP_NODELAY="1"))


class TestConfigurationFile:
    def test_invalid_file_exits_2_naming_the_key(self, tmp_path):
        port = free_port()
        config = write_config(
            tmp_path / "mediacenter.conf", data_dir=tmp_path / "data",
            bind_address="127.0.0.1", port=port, max_pdu_size=2)
        daemon = Daemon(tmp_path / "data", [])

        # The options repeat the address, so even a daemon that ignored the file would
        # listen only on 127.0.0.1.
        result = subprocess.run(
            [str(daemon.bin / "mediacenterd"), "--config", str(config),
             "--data-dir", str(tmp_path / "data"), "--bind-address", "127.0.0.1",
             "--port", str(port)],
            capture_output=True, text=True, timeout=30)

        assert result.returncode == 2
        assert f"{config}:5:" in result.stderr
        assert 'key "max_pdu_size" = "2"' in result.stderr
        assert "4096 to 131072" in result.stderr
        assert not (tmp_path / "data" / "control.sock").exists()

    def test_missing_config_file_exits_2(self, tmp_path):
        daemon = Daemon(tmp_path / "data", [])
        missing = tmp_path / "absent.conf"

        result = subprocess.run(
            [str(daemon.bin / "mediacenterd"), "--config", str(missing),
             "--bind-address", "127.0.0.1", "--port", str(free_port())],
            capture_output=True, text=True, timeout=30)

        assert result.returncode == 2
        assert str(missing) in result.stderr

    def test_file_sets_port_and_two_ae_titles(self, tmp_path):
        daemon = Daemon(tmp_path / "data", [], listen_options=False)
        config = write_config(
            tmp_path / "mediacenter.conf", data_dir=daemon.data_dir,
            bind_address="127.0.0.1", port=daemon.port, ae_titles="FIRST_AE, SECOND_AE",
            dimse_timeout=7, completion_timeout=600)
        daemon.extra = ["--config", str(config)]

        daemon.start()
        try:
            first = echo(daemon.port, "FIRST_AE")
            second = echo(daemon.port, "SECOND_AE")
            default_title = echo(daemon.port, "CDP_PRINTER")
            status = daemon.ctl("status", "--json").stdout
        finally:
            code = daemon.stop()

        assert first.returncode == 0, first.stdout + first.stderr
        assert second.returncode == 0, second.stdout + second.stderr
        assert default_title.returncode != 0
        assert json.loads(status)["aeTitles"] == ["FIRST_AE", "SECOND_AE"]
        assert f"configuration read from {config}" in daemon.log()
        assert code == 0, daemon.log()

    def test_print_config_shows_file_and_options(self, tmp_path):
        daemon = Daemon(tmp_path / "data", [])
        config = write_config(
            tmp_path / "mediacenter.conf", port=11112, dimse_timeout=7, ae_titles="A,B")

        result = subprocess.run(
            [str(daemon.bin / "mediacenterd"), "--config", str(config), "--port", "11113",
             "--print-config"],
            capture_output=True, text=True, timeout=30)

        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert "port = 11113" in lines
        assert "dimse_timeout = 7" in lines
        assert "ae_titles = A,B" in lines
        assert "max_pdu_size = 16384" in lines

    def test_consistency_flag_reaches_the_dicomdir(self, make_daemon, tmp_path):
        config = write_config(tmp_path / "flag.conf", consistency_flag="FFFF")
        daemon = make_daemon("--config", str(config), "--completion-timeout", "600")
        daemon.storescu(sample_file("CT_small.dcm"))

        daemon.ctl("burn", "--all")
        jobs = daemon.wait_for_jobs(
            lambda jobs: all(job["state"] in ("done", "failed") for job in jobs))

        assert jobs[0]["state"] == "done", jobs
        root = extract_disc(Path(jobs[0]["discs"][0]["path"]), tmp_path / "disc")
        assert pydicom.dcmread(root / "DICOMDIR").FileSetConsistencyFlag == 0xFFFF
