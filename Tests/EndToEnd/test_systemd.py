"""The daemon's systemd side: sd_notify messages, the unit files and scripts/install.

systemd is not PID 1 on the test machines, so the units are checked with
`systemd-analyze verify --root` against a tree staged by scripts/install. That tree also
gets the few files of the system that the units name (systemd's own units, chgrp,
agetty), because verify loads every unit a unit depends on and checks that each command
exists.
"""

import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPOSITORY, Daemon, binary_folder, sample_file

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
SYSTEM_UNITS = Path("/usr/lib/systemd/system")
UNITS = ("mediacenterd.service", "mediacenter-console@ttyS0.service")

# prctl(2) option that forbids memory that is writable and executable, Linux 6.3 and later.
PR_SET_MDWE = 65
PR_MDWE_REFUSE_EXEC_GAIN = 1


def install(destination: Path, prefix: str = "/usr") -> subprocess.CompletedProcess:
    """Runs scripts/install into `destination` with the binaries of this build."""
    environment = dict(os.environ, DESTDIR=str(destination), PREFIX=prefix)
    return subprocess.run(
        [str(REPOSITORY / "scripts" / "install"), "--bin-dir", str(binary_folder())],
        env=environment, capture_output=True, text=True, timeout=120)


def stage_root(root: Path) -> Path:
    """Installs into `root` and adds the system files that verify needs there."""
    result = install(root)
    assert result.returncode == 0, result.stderr
    units = root / "usr/lib/systemd/system"
    for unit in SYSTEM_UNITS.iterdir():
        target = units / unit.name
        if not target.exists() and not target.is_symlink():
            if unit.is_symlink():
                target.symlink_to(os.readlink(unit))
            elif unit.is_file():
                shutil.copy2(unit, target)
    for program in ("/usr/bin/chgrp", "/sbin/agetty", "/bin/kill"):
        target = root / program.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(program, target)
    return root


def verify(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", f"--root={root}", *UNITS],
        capture_output=True, text=True, timeout=120)


class NotifySocket:
    """A datagram socket in the place of systemd's, which records what the daemon sends."""

    def __init__(self, path: Path):
        self.path = path
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(str(path))

    def receive(self, timeout: float) -> tuple[float, str] | None:
        """Returns the monotonic arrival time and text of the next message, or None."""
        self.socket.settimeout(timeout)
        try:
            message = self.socket.recv(4096)
        except socket.timeout:
            return None
        return time.monotonic(), message.decode()

    def wait_for(self, text: str, timeout: float) -> float:
        """Returns the arrival time of the first message `text`, skipping others."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            received = self.receive(left)
            if received and received[1] == text:
                return received[0]
        pytest.fail(f"no {text} within {timeout} s")

    def drain(self) -> None:
        """Drops the messages already queued, whose arrival times are those of the read."""
        while self.receive(0.001) is not None:
            pass

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def notify(tmp_path, monkeypatch):
    """A notify socket that every daemon the test starts sends to."""
    listening = NotifySocket(tmp_path / "notify.sock")
    monkeypatch.setenv("NOTIFY_SOCKET", str(listening.path))
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    yield listening
    listening.close()


class TestNotify:
    def test_watchdog_sent_at_half_interval(self, tmp_path, notify, monkeypatch):
        monkeypatch.setenv("WATCHDOG_USEC", "400000")
        daemon = Daemon(tmp_path / "data", [])
        daemon.start()
        try:
            notify.wait_for("READY=1", 30)
            # Messages sent while Daemon.start polled are queued; time only fresh ones.
            notify.drain()
            times = [notify.wait_for("WATCHDOG=1", 5) for _ in range(6)]
        finally:
            code = daemon.stop()
        assert code == 0, daemon.log()

        gaps = [later - earlier for earlier, later in zip(times, times[1:])]
        # 200 ms apart; the bounds leave room for a loaded machine.
        for gap in gaps:
            assert 0.1 < gap < 0.35, gaps
        assert "sending WATCHDOG=1 every 200 ms" in daemon.log()

    def test_no_watchdog_without_watchdog_usec(self, tmp_path, notify):
        daemon = Daemon(tmp_path / "data", [])
        daemon.start()
        try:
            notify.wait_for("READY=1", 30)
            later = []
            while (received := notify.receive(1.0)) is not None:
                later.append(received[1])
        finally:
            code = daemon.stop()
        assert code == 0, daemon.log()
        assert "WATCHDOG=1" not in later

    def test_stopping_sent_on_sigterm(self, tmp_path, notify):
        daemon = Daemon(tmp_path / "data", [])
        daemon.start()
        notify.wait_for("READY=1", 30)
        daemon.process.send_signal(signal.SIGTERM)
        notify.wait_for("STOPPING=1", 30)
        assert daemon.process.wait(timeout=60) == 0, daemon.log()


class TestInstall:
    def test_lays_out_package_tree(self, tmp_path):
        root = tmp_path / "root"
        result = install(root)
        assert result.returncode == 0, result.stderr

        expected = {
            "usr/bin/mediacenterd": 0o755,
            "usr/bin/mediacenterctl": 0o755,
            "usr/lib/mediacenter/console-login": 0o755,
            "usr/lib/systemd/system/mediacenterd.service": 0o644,
            "usr/lib/systemd/system/mediacenter-console@.service": 0o644,
            "usr/lib/udev/rules.d/60-mediacenter.rules": 0o644,
            "usr/lib/sysusers.d/mediacenter.conf": 0o644,
            "usr/lib/modules-load.d/mediacenter.conf": 0o644,
            "usr/share/mediacenter/board/generic.conf": 0o644,
            "usr/share/doc/mediacenter/README.md": 0o644,
            "usr/share/doc/mediacenter/KNOWN_ISSUES.md": 0o644,
            "usr/share/doc/mediacenter/mediacenter.conf": 0o644,
            "usr/share/bash-completion/completions/mediacenterctl": 0o644,
            "etc/mediacenter/mediacenter.conf": 0o644,
            "etc/profile.d/mediacenter-console.sh": 0o644,
        }
        for path, mode in expected.items():
            installed = root / path
            assert installed.is_file(), path
            assert installed.stat().st_mode & 0o777 == mode, path
        configuration = (root / "etc/mediacenter/mediacenter.conf").read_text()
        assert configuration == (REPOSITORY / "docs/mediacenter.conf").read_text()
        # No gpio group in the staged /etc/group, so no membership in it.
        assert not (root / "usr/lib/sysusers.d/mediacenter-gpio.conf").exists()

    def test_keeps_existing_configuration(self, tmp_path):
        root = tmp_path / "root"
        configuration = root / "etc/mediacenter/mediacenter.conf"
        configuration.parent.mkdir(parents=True)
        configuration.write_text("port = 11112\n")

        result = install(root)

        assert result.returncode == 0, result.stderr
        assert configuration.read_text() == "port = 11112\n"
        assert "kept the existing" in result.stdout

    def test_gpio_membership_where_group_exists(self, tmp_path):
        root = tmp_path / "root"
        (root / "etc").mkdir(parents=True)
        (root / "etc/group").write_text("cdrom:x:24:\ngpio:x:997:\n")

        result = install(root)

        assert result.returncode == 0, result.stderr
        gpio = root / "usr/lib/sysusers.d/mediacenter-gpio.conf"
        assert "m mediacenter gpio" in gpio.read_text()

    def test_prefix_moves_paths_in_units(self, tmp_path):
        root = tmp_path / "root"
        result = install(root, prefix="/usr/local")
        assert result.returncode == 0, result.stderr

        service = (root / "usr/local/lib/systemd/system/mediacenterd.service").read_text()
        console = (root / "usr/local/lib/systemd/system/mediacenter-console@.service") \
            .read_text()
        profile = (root / "etc/profile.d/mediacenter-console.sh").read_text()
        assert "ExecStart=/usr/local/bin/mediacenterd\n" in service
        assert "--login-program /usr/local/lib/mediacenter/console-login " in console
        assert ":/usr/local/bin:" in profile
        assert "@BINDIR@" not in profile
        assert (root / "usr/local/bin/mediacenterd").is_file()

    @pytest.mark.skipif(shutil.which("systemd-sysusers") is None,
                        reason="systemd-sysusers is not installed")
    def test_sysusers_creates_user_and_group(self, tmp_path):
        root = tmp_path / "root"
        (root / "etc").mkdir(parents=True)
        (root / "etc/group").write_text("cdrom:x:24:\ngpio:x:997:\n")
        (root / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
        assert install(root).returncode == 0

        # --dry-run with --root writes nothing, neither in the tree nor on this machine.
        result = subprocess.run(
            ["systemd-sysusers", f"--root={root}", "--dry-run"],
            capture_output=True, text=True, timeout=60)

        assert result.returncode == 0, result.stderr
        output = result.stdout + result.stderr
        assert "Creating group 'mediacenter-engineers'" in output
        assert "Creating user 'mediacenter'" in output
        assert "Creating group 'cdrom'" not in output
        assert "Creating group 'gpio'" not in output
        assert (root / "etc/group").read_text() == "cdrom:x:24:\ngpio:x:997:\n"

    def test_relative_prefix_rejected(self, tmp_path):
        result = install(tmp_path / "root", prefix="usr")
        assert result.returncode == 2
        assert "PREFIX 'usr' is not an absolute path" in result.stderr


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")
class TestUnits:
    def test_verify_passes_on_installed_tree(self, tmp_path):
        result = verify(stage_root(tmp_path / "root"))
        assert result.returncode == 0, result.stderr
        assert result.stdout + result.stderr == ""

    def test_verify_fails_without_daemon_binary(self, tmp_path):
        root = stage_root(tmp_path / "root")
        (root / "usr/bin/mediacenterd").unlink()

        result = verify(root)

        assert result.returncode != 0
        assert "/usr/bin/mediacenterd" in result.stderr

    def test_security_exposure_stays_low(self, tmp_path):
        root = stage_root(tmp_path / "root")
        result = subprocess.run(
            [SYSTEMD_ANALYZE, "security", "--offline=true", f"--root={root}",
             "--no-pager", "mediacenterd.service"],
            capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr

        found = re.search(r"Overall exposure level for mediacenterd\.service: ([0-9.]+)",
                          result.stdout)
        assert found, result.stdout
        # docs/SYSTEMD.md records 1.9 for systemd 252.
        assert float(found.group(1)) <= 2.5, result.stdout


def refuse_write_execute() -> None:
    """Runs in the child before exec: forbids writable and executable memory."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
        os._exit(90)


def kernel_refuses_write_execute() -> bool:
    """Whether this kernel has PR_SET_MDWE and it stops a writable executable mapping."""
    probe = ("import mmap; mmap.mmap(-1, 4096, "
             "prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)")
    result = subprocess.run([sys.executable, "-c", probe], preexec_fn=refuse_write_execute,
                            capture_output=True, timeout=30)
    return result.returncode == 1 and b"PermissionError" in result.stderr


def test_burns_without_write_execute_memory(tmp_path):
    """MemoryDenyWriteExecute=yes in the unit: the kernel's PR_SET_MDWE enforces the same
    rule (no mapping both writable and executable, none made executable later), and
    children inherit it, so the daemon runs here under it through a wrapper."""
    if not kernel_refuses_write_execute():
        pytest.skip("the kernel lacks PR_SET_MDWE (Linux 6.3 or later)")
    wrapped = tmp_path / "bin"
    wrapped.mkdir()
    launcher = wrapped / "mediacenterd"
    launcher.write_text(
        f"#!{sys.executable}\n"
        "import ctypes, os, sys\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        f"if libc.prctl({PR_SET_MDWE}, {PR_MDWE_REFUSE_EXEC_GAIN}, 0, 0, 0) != 0:\n"
        "    sys.exit('prctl(PR_SET_MDWE) failed')\n"
        f"os.execv({str(binary_folder() / 'mediacenterd')!r}, sys.argv)\n")
    launcher.chmod(0o755)
    (wrapped / "mediacenterctl").symlink_to(binary_folder() / "mediacenterctl")

    daemon = Daemon(tmp_path / "data", ["--completion-timeout", "600"])
    daemon.bin = wrapped
    daemon.start()
    try:
        daemon.storescu(sample_file("CT_small.dcm"))
        daemon.ctl("burn", "--all")
        jobs = daemon.wait_for_jobs(
            lambda jobs: jobs and all(job["state"] in ("done", "failed") for job in jobs))
    finally:
        code = daemon.stop()

    assert code == 0, daemon.log()
    assert [job["state"] for job in jobs] == ["done"], jobs
    assert jobs[0]["discs"][0]["verified"] is True


class TestConsole:
    def test_login_refuses_non_member(self):
        # root is not a member of the engineers' group on a test machine.
        result = subprocess.run(
            [str(REPOSITORY / "systemd/console-login"), "--", "root"],
            capture_output=True, text=True, timeout=30)
        assert result.returncode == 1
        assert "members of the group mediacenter-engineers only" in result.stdout

    def test_login_refuses_unknown_name(self):
        result = subprocess.run(
            [str(REPOSITORY / "systemd/console-login"), "--", "no-such-user-here"],
            capture_output=True, text=True, timeout=30)
        assert result.returncode == 1
        assert "members of the group mediacenter-engineers only" in result.stdout

    @pytest.mark.parametrize("line, expected", [
        ("mediacenterctl ", "status jobs job burn retry cancel eject drives aet config log "
         "selftest panel press help --data-dir --help"),
        ("mediacenterctl st", "status"),
        ("mediacenterctl --data-dir /tmp b", "burn"),
        ("mediacenterctl burn --", "--patient-id --all --help"),
        ("mediacenterctl aet ", "list add remove --help"),
        ("mediacenterctl aet add STORESCU 10.0.0.1 --d", "--description"),
        ("mediacenterctl jobs --", "--json --help"),
        ("mediacenterctl config ", "show check set --help"),
        ("mediacenterctl config show --", "--json"),
        ("mediacenterctl log --", "--lines --json --help"),
        ("mediacenterctl press ", "burn eject cancel --help"),
        ("mediacenterctl press cancel --", "--long --json --help"),
        ("mediacenterctl sel", "selftest"),
        ("mediacenterctl ca", "cancel"),
    ])
    def test_completion_offers_commands(self, line, expected):
        script = (
            f"source {REPOSITORY / 'systemd/mediacenterctl.bash'}\n"
            f"COMP_LINE='{line}'\n"
            "read -ra COMP_WORDS <<<\"$COMP_LINE\"\n"
            "[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=('')\n"
            "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
            "_mediacenterctl\n"
            "echo \"${COMPREPLY[*]}\"\n")
        result = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                                timeout=30)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == expected
