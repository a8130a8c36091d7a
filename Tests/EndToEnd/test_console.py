"""The field engineer's console: every command's text and JSON output against a running
daemon, --help, exit codes, config check and set, and the engineers' group check."""

import json
import os
import pty
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import Daemon, binary_folder, sample_file

COMMANDS = ["status", "jobs", "job", "burn", "retry", "cancel", "eject", "drives", "aet",
            "config", "log", "selftest", "panel", "press"]


def ctl_alone(*arguments: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Runs mediacenterctl without a data directory of a running daemon."""
    return subprocess.run([str(binary_folder() / "mediacenterctl"), *arguments],
                          capture_output=True, text=True, timeout=60, env=env)


def assert_fits_80_columns(text: str) -> None:
    for line in text.splitlines():
        assert len(line) <= 80, f"{len(line)} columns: {line!r}"


def joined(text: str) -> str:
    """Returns `text` with each run of white space, line breaks included, as one space, so
    that a check does not depend on where the 80-column output was wrapped."""
    return " ".join(text.split())


def assert_plain(text: str) -> None:
    assert "\x1b" not in text, "colour codes in output that is not a terminal"


def finished_job(daemon: Daemon) -> dict:
    """Sends one CT image, burns it and returns the done job."""
    daemon.storescu(sample_file("CT_small.dcm"))
    daemon.ctl("burn", "--all")
    jobs = daemon.wait_for_jobs(lambda jobs: jobs and jobs[0]["state"] in ("done", "failed"))
    assert jobs[0]["state"] == "done", json.dumps(jobs, indent=1)
    return jobs[0]


class TestHelp:
    def test_overall_help_lists_every_command(self):
        result = ctl_alone("--help")

        assert result.returncode == 0
        for command in COMMANDS:
            assert f"\n  {command} " in result.stdout, command
        assert "4 permission refused" in result.stdout
        assert_fits_80_columns(result.stdout)

    @pytest.mark.parametrize("command", COMMANDS)
    def test_command_help(self, command):
        result = ctl_alone(command, "--help")
        spelled = ctl_alone("help", command)

        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("Usage: mediacenterctl [--data-dir DIR] " + command)
        assert "Exit codes: 0 success, 1 the daemon reported a failure, 2 invalid" \
            in result.stdout
        assert spelled.stdout == result.stdout
        assert_fits_80_columns(result.stdout)

    @pytest.mark.parametrize("command", ["status", "jobs", "drives", "log", "selftest",
                                         "panel"])
    def test_read_commands_offer_json(self, command):
        assert "--json" in ctl_alone(command, "--help").stdout


class TestCommandLine:
    @pytest.mark.parametrize("arguments, fragment", [
        ([], "no command given"),
        (["frobnicate"], "unknown command 'frobnicate'"),
        (["status", "--bogus"], "unknown option '--bogus'"),
        (["status", "--lines", "3"], "--lines does not apply to status"),
        (["job"], "job needs one job number"),
        (["job", "abc"], "invalid job number \"abc\""),
        (["cancel", "0"], "invalid job number \"0\""),
        (["log", "--lines", "0"], "invalid --lines \"0\""),
        (["eject", "a", "b"], "eject takes at most one drive name"),
        (["config", "set", "port"], "use config show, config check [FILE] or config set"),
        (["burn"], "burn needs exactly one of --patient-id ID and --all"),
    ])
    def test_invalid_command_line_exits_2(self, tmp_path, arguments, fragment):
        result = ctl_alone("--data-dir", str(tmp_path), *arguments)

        assert result.returncode == 2
        assert fragment in result.stderr
        assert_fits_80_columns(result.stderr)

    def test_unreachable_daemon_exits_3(self, tmp_path):
        result = ctl_alone("--data-dir", str(tmp_path), "status")

        assert result.returncode == 3
        assert "cannot reach the daemon" in result.stderr


class TestReadCommands:
    def test_status_text_and_json(self, daemon):
        text = daemon.ctl("status")
        report = json.loads(daemon.ctl("status", "--json").stdout)

        assert_fits_80_columns(text.stdout)
        assert_plain(text.stdout)
        assert text.stdout.startswith("Media Center ")
        assert "virtual0" in text.stdout
        assert "virtual1" in text.stdout
        assert "spool high-water mark 90%" in joined(text.stdout)
        assert report["listener"] == f"127.0.0.1:{daemon.port}"
        assert report["aeTitles"] == ["CDP_PRINTER"]
        assert report["uptimeSeconds"] >= 0
        assert [drive["name"] for drive in report["drives"]] == ["virtual0", "virtual1"]
        assert report["drives"][0]["status"] == "blank"
        assert report["spoolReclaimableBytes"] == 0
        assert report["missingSpoolFiles"] == 0
        assert report["spoolAvailableBytes"] > 0
        assert "Reclaimable" in text.stdout
        assert report["drives"][0]["media"] == "CD-R"
        assert report["changer"]["kind"] == "simulated"
        assert set(report["changer"]["bins"]) == {"input", "output", "reject"}
        assert set(report["panel"]["leds"]) == {"ready", "busy", "error", "media_needed"}
        assert set(report["queue"]) == {"receiving", "queued", "burning", "verifying", "done",
                                        "failed"}
        assert report["freeBytes"] > 0
        assert report["totalBytes"] >= report["freeBytes"]
        assert 0 <= report["usedPercent"] <= 100
        assert report["spoolHighWaterPercent"] == 90
        assert report["dataDirectory"] == str(daemon.data_dir)

    def test_job_shows_history(self, daemon):
        job = finished_job(daemon)

        text = daemon.ctl("job", str(job["id"])).stdout
        full = json.loads(daemon.ctl("job", str(job["id"]), "--json").stdout)
        status = json.loads(daemon.ctl("status", "--json").stdout)

        states = [change["to"] for change in full["history"]]
        assert states == ["receiving", "queued", "burning", "verifying", "done"]
        assert all(change["reason"] and change["at"] for change in full["history"])
        assert full["instances"] == 1
        assert [disc["verified"] for disc in full["discs"]] == [True]
        assert full["rejects"] == []
        assert f"Job {job['id']}: done" in text
        assert "History:" in text
        assert "verifying -> done" in text
        assert_fits_80_columns(text)
        assert status["queue"]["done"] == 1
        assert len(status["changer"]["bins"]["output"]) == 1

    def test_unknown_job_exits_1(self, daemon):
        result = daemon.ctl("job", "999", check=False)

        assert result.returncode == 1
        assert "no job 999" in result.stderr

    def test_drives_text_and_json(self, daemon):
        text = daemon.ctl("drives").stdout
        drives = json.loads(daemon.ctl("drives", "--json").stdout)

        assert text.splitlines()[0].split() == ["DRIVE", "STATUS", "MEDIA", "CAPACITY", "JOB"]
        assert "virtual0" in text
        assert "idle" in text
        assert_fits_80_columns(text)
        assert [(drive["name"], drive["status"]) for drive in drives] == [
            ("virtual0", "blank"), ("virtual1", "blank")]
        assert drives[0]["capacityBytes"] == 700 * 1024 * 1024

    def test_log_lists_transitions_newest_last(self, daemon):
        job = finished_job(daemon)

        events = json.loads(daemon.ctl("log", "--lines", "3", "--json").stdout)
        text = daemon.ctl("log").stdout

        assert len(events) == 3
        assert events[-1]["kind"] == "transition"
        assert events[-1]["job"] == job["id"]
        assert events[-1]["text"].startswith("verifying -> done")
        assert [event["at"] for event in events] == sorted(event["at"] for event in events)
        assert "receiving -> queued" in text
        # The empty access list of a new daemon is logged as a warning at start.
        assert "warning" in text
        assert_fits_80_columns(text)

    def test_selftest_passes(self, daemon):
        text = daemon.ctl("selftest")
        steps = json.loads(daemon.ctl("selftest", "--json").stdout)

        names = [step["name"] for step in steps]
        assert names == ["led ready", "led busy", "led error", "led media_needed",
                         "drive virtual0", "drive virtual1", "spool write", "spool sync",
                         "spool remove"]
        assert all(step["result"] == "pass" for step in steps), steps
        assert "Self-test passed." in text.stdout
        assert_fits_80_columns(text.stdout)
        assert list((daemon.data_dir / "spool" / "tmp").iterdir()) == []

    def test_colour_only_on_terminal(self, daemon):
        def on_terminal(environment: dict) -> str:
            leader, follower = pty.openpty()
            process = subprocess.Popen(
                [str(daemon.bin / "mediacenterctl"), "--data-dir", str(daemon.data_dir),
                 "drives"], stdout=follower, stderr=subprocess.STDOUT, env=environment)
            os.close(follower)
            output = b""
            while True:
                try:
                    chunk = os.read(leader, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                output += chunk
            process.wait(timeout=60)
            os.close(leader)
            return output.decode(errors="replace")

        base = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
        assert "\x1b[" in on_terminal(dict(base, TERM="xterm"))
        assert "\x1b[" not in on_terminal(dict(base, TERM="dumb"))
        assert "\x1b[" not in on_terminal(dict(base, TERM="xterm", NO_COLOR="1"))


class TestActions:
    def test_cancel_rejects_receiving_and_done_jobs(self, daemon):
        job = finished_job(daemon)
        daemon.storescu(sample_file("MR_small_implicit.dcm"))
        receiving = [entry for entry in daemon.jobs() if entry["state"] == "receiving"][0]

        done = daemon.ctl("cancel", str(job["id"]), check=False)
        still = daemon.ctl("cancel", str(receiving["id"]), check=False)
        missing = daemon.ctl("cancel", "999", check=False)

        assert done.returncode == 1
        assert "is done, so there is nothing to cancel" in done.stderr
        assert still.returncode == 1
        assert "is receiving" in still.stderr
        assert missing.returncode == 1
        assert "no job 999" in missing.stderr

    def test_eject_idle_drive(self, daemon):
        one = daemon.ctl("eject", "virtual1")
        every = daemon.ctl("eject")
        unknown = daemon.ctl("eject", "virtual9", check=False)

        assert one.stdout.strip() == "Ejected virtual1."
        assert every.stdout.strip() == "Ejected virtual0, virtual1."
        assert unknown.returncode == 1
        assert "no drive named 'virtual9'; the drives are virtual0, virtual1" in unknown.stderr


class TestConfiguration:
    @pytest.fixture
    def configured(self, make_daemon, tmp_path):
        config = tmp_path / "mediacenter.conf"
        config.write_text("# site settings\ncompletion_timeout = 600  # ten minutes\n"
                          "dimse_timeout = 40\n", encoding="utf-8")
        return make_daemon("--config", str(config)), config

    def test_show_names_sources(self, configured):
        daemon, config = configured

        report = json.loads(daemon.ctl("config", "show", "--json").stdout)
        text = daemon.ctl("config", "show").stdout

        entries = {entry["key"]: entry for entry in report["entries"]}
        assert report["file"] == str(config)
        assert entries["dimse_timeout"]["value"] == "40"
        assert entries["dimse_timeout"]["source"] == "file"
        assert entries["dimse_timeout"]["origin"] == f"{config}:3"
        assert entries["port"]["source"] == "option"
        assert entries["port"]["origin"] == "--port"
        assert entries["max_pdu_size"]["source"] == "default"
        assert entries["engineers_group"]["value"] == "mediacenter-engineers"
        assert "file, line 3" in text
        assert_fits_80_columns(text)

    def test_set_keeps_comments(self, configured):
        daemon, config = configured

        result = daemon.ctl("config", "set", "completion_timeout", "900")
        added = daemon.ctl("config", "set", "max_associations", "7")

        assert config.read_text() == ("# site settings\ncompletion_timeout = 900 # ten minutes\n"
                                      "dimse_timeout = 40\nmax_associations = 7\n")
        assert "takes effect at the next reload" in joined(result.stdout)
        assert "Set max_associations = 7" in added.stdout
        assert "a reload keeps the running value" in joined(added.stdout)
        checked = ctl_alone("config", "check", str(config))
        assert checked.returncode == 0, checked.stdout

    def test_set_rejects_unstartable_file(self, configured):
        daemon, config = configured
        before = config.read_text()

        result = daemon.ctl("config", "set", "drives", "optical", check=False)

        assert result.returncode == 1
        assert "changer = simulated works only with drives = virtual" in result.stderr \
            + result.stdout
        assert config.read_text() == before

    def test_check_finds_keys_that_disagree(self, tmp_path):
        config = tmp_path / "bad.conf"
        config.write_text("spool_high_water = 50\nspool_low_water = 60\n"
                          "changer = scsi\ndrives = optical\n"
                          "scsi_changer_input = slot:1-10\nscsi_changer_output = slot:5-20\n"
                          "scsi_changer_reject = slot:30\n"
                          "scsi_changer_drives = /dev/sr0=256\n", encoding="utf-8")

        result = ctl_alone("config", "check", str(config))

        assert result.returncode == 2
        assert "spool_low_water" in result.stdout + result.stderr

    def test_set_follows_a_link(self, make_daemon, tmp_path):
        real = tmp_path / "real"
        real.mkdir()
        target = real / "site.conf"
        target.write_text("completion_timeout = 600\n", encoding="utf-8")
        link = tmp_path / "site.conf"
        link.symlink_to(target)
        daemon = make_daemon("--config", str(link), name="linked")

        daemon.ctl("config", "set", "completion_timeout", "900")

        assert link.is_symlink()
        assert target.read_text() == "completion_timeout = 900\n"

    def test_check_without_file_reads_daemon_file(self, configured):
        daemon, config = configured

        result = daemon.ctl("config", "check")

        assert joined(result.stdout) == f"{config}: no errors; 2 keys set."

    def test_set_rejects_invalid_values(self, configured):
        daemon, config = configured
        before = config.read_text()

        invalid = daemon.ctl("config", "set", "dimse_timeout", "0", check=False)
        unknown = daemon.ctl("config", "set", "dimse_timeot", "5", check=False)
        comment = daemon.ctl("config", "set", "label_institution", "A #1", check=False)

        assert invalid.returncode == 1
        assert 'invalid value "0" for key "dimse_timeout"' in invalid.stderr
        assert unknown.returncode == 1
        assert 'did you mean "dimse_timeout"?' in unknown.stderr
        assert comment.returncode == 1
        assert config.read_text() == before

    def test_set_needs_a_real_file(self, daemon):
        result = daemon.ctl("config", "set", "port", "11112", check=False)

        assert result.returncode == 1
        assert "/dev/null is not a regular file" in result.stderr

    def test_check_reports_every_error_with_lines(self, tmp_path):
        config = tmp_path / "broken.conf"
        config.write_text("port = 0\nno equals here\nprot = 5\nport = 7\n", encoding="utf-8")

        text = ctl_alone("config", "check", str(config))
        result = json.loads(ctl_alone("config", "check", str(config), "--json").stdout)

        output = joined(text.stdout)
        assert text.returncode == 2
        assert f"{config}:1: key \"port\" = \"0\"" in output
        assert f"{config}:2: the line has no \"=\"" in output
        assert f"{config}:3: unknown key \"prot\"" in output
        assert f"{config}:4: key \"port\" is set on line 1 and again on line 4" in output
        assert "4 error(s)" in output
        assert_fits_80_columns(text.stdout)
        assert result["valid"] is False
        assert len(result["problems"]) == 4

    def test_check_accepts_shipped_file(self):
        shipped = Path(__file__).resolve().parents[2] / "docs" / "mediacenter.conf"

        result = ctl_alone("config", "check", str(shipped))

        assert result.returncode == 0
        assert "no errors" in result.stdout

    def test_check_missing_file(self, tmp_path):
        result = ctl_alone("config", "check", str(tmp_path / "missing.conf"))

        assert result.returncode == 2
        assert "cannot read the configuration file" in result.stdout


@pytest.fixture
def shared_daemon():
    """A daemon whose data directory other users can pass through, so that a test can run
    mediacenterctl as nobody. The socket's group is the one given to nobody's process."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to run mediacenterctl as another user")
    folder = Path(tempfile.mkdtemp(prefix="mc-console-"))
    folder.chmod(0o711)
    started: list[Daemon] = []

    def make(*extra: str) -> Daemon:
        running = Daemon(folder / f"data{len(started)}", ["--completion-timeout", "600", *extra])
        running.start()
        started.append(running)
        running.data_dir.chmod(0o711)
        return running

    yield make
    for running in started:
        running.stop()
    shutil.rmtree(folder, ignore_errors=True)


def as_user(daemon: Daemon, group: int, *arguments: str) -> subprocess.CompletedProcess:
    """Runs mediacenterctl as the user nobody (65534) with the primary group `group`."""
    os.chown(daemon.data_dir / "control.sock", -1, group)
    return subprocess.run(
        ["setpriv", "--reuid=65534", f"--regid={group}", "--clear-groups",
         str(daemon.bin / "mediacenterctl"), "--data-dir", str(daemon.data_dir), *arguments],
        capture_output=True, text=True, timeout=60)


class TestPermissions:
    def test_other_user_is_refused_with_group(self, shared_daemon):
        daemon = shared_daemon("--engineers-group", "root")

        read = as_user(daemon, 65534, "status", "--json")
        config = as_user(daemon, 65534, "config", "set", "port", "11112")
        add = as_user(daemon, 65534, "aet", "add", "OTHER", "127.0.0.1")
        remove = as_user(daemon, 65534, "aet", "remove", "TESTSCU")

        assert read.returncode == 0, read.stderr
        for refused in (config, add, remove):
            assert refused.returncode == 4, refused.stderr
            assert "needs membership in the group root" in refused.stderr
        assert "OTHER" not in {entry["aeTitle"] for entry in daemon.access_list()}
        assert "TESTSCU" in {entry["aeTitle"] for entry in daemon.access_list()}
        assert daemon.log_lines("console request rejected: aet add by user ID 65534")

    def test_group_member_is_allowed(self, shared_daemon):
        daemon = shared_daemon("--engineers-group", "root")

        add = as_user(daemon, 0, "aet", "add", "OTHER", "127.0.0.1")

        assert add.returncode == 0, add.stderr
        assert "OTHER" in {entry["aeTitle"] for entry in daemon.access_list()}

    def test_missing_group_is_named(self, shared_daemon):
        daemon = shared_daemon("--engineers-group", "no-such-group-here")

        result = as_user(daemon, 65534, "aet", "add", "OTHER", "127.0.0.1")

        assert result.returncode == 4
        assert "no-such-group-here" in result.stderr
        assert "does not exist" in result.stderr


def test_completion_offers_drive_names(daemon):
    script = (
        f"source {Path(__file__).resolve().parents[2] / 'systemd/mediacenterctl.bash'}\n"
        f"COMP_WORDS=(mediacenterctl --data-dir {daemon.data_dir} eject '')\n"
        "COMP_CWORD=4\n"
        "_mediacenterctl\n"
        "echo \"${COMPREPLY[*]}\"\n")
    environment = dict(os.environ, PATH=f"{daemon.bin}:{os.environ['PATH']}")

    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                            timeout=30, env=environment)

    assert result.stdout.strip() == "virtual0 virtual1 --help"
