"""Fixtures that run the real mediacenterd on 127.0.0.1 with a data directory of its own."""

import functools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
STORESCU = "/usr/bin/storescu"
ECHOSCU = "/usr/bin/echoscu"


def binary_folder() -> Path:
    """Returns the folder of the built executables."""
    configured = os.environ.get("MEDIACENTER_BIN")
    if configured:
        return Path(configured)
    output = subprocess.run(
        ["swift", "build", "--show-bin-path"], cwd=REPOSITORY, check=True,
        capture_output=True, text=True)
    return Path(output.stdout.strip())


def sample_file(name: str) -> Path:
    """Returns the path of one of pydicom's real test files."""
    for folder in os.environ.get("MEDIACENTER_TEST_FILES", "").split(":"):
        candidate = Path(folder) / name
        if folder and candidate.exists():
            return candidate
    from pydicom.data import get_testdata_file

    found = get_testdata_file(name, download=False)
    if found is None:
        pytest.fail(f"test file {name} not found; run the tests through scripts/test")
    return Path(found)


def free_port() -> int:
    """Returns a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Calling AE titles of the peers the tests use: DCMTK's tools and pynetdicom.
TEST_AE_TITLES = ("TESTSCU", "ECHOSCU", "STORESCU", "PYNETDICOM")


class Daemon:
    """A running mediacenterd and the console commands that talk to it."""

    def __init__(self, data_dir: Path, extra: list[str], listen_options: bool = True,
                 allowed: tuple[str, ...] = TEST_AE_TITLES):
        """`listen_options` False leaves out --data-dir, --bind-address and --port, for a
        test whose configuration file sets them to `data_dir`, 127.0.0.1 and `port`.
        `allowed` lists the calling AE titles put on the access list for 127.0.0.1 once
        the daemon runs."""
        self.allowed = allowed
        self.data_dir = data_dir
        self.port = free_port()
        self.bin = binary_folder()
        self.log_path = data_dir.parent / f"{data_dir.name}-daemon.log"
        self.extra = extra
        self.listen_options = listen_options
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        listen = ["--data-dir", str(self.data_dir), "--bind-address", "127.0.0.1",
                  "--port", str(self.port)] if self.listen_options else []
        # An empty configuration file keeps a file at the default path out of the tests.
        isolation = [] if any(a == "--config" or a.startswith("--config=") for a in self.extra) \
            else ["--config", "/dev/null"]
        # Under systemd (JOURNAL_STREAM set) the daemon logs to the journal instead of
        # standard error, and the tests read its log from the file.
        environment = {key: value for key, value in os.environ.items()
                       if key != "JOURNAL_STREAM"}
        self.process = subprocess.Popen(
            [str(self.bin / "mediacenterd"), *isolation, *listen, *self.extra],
            stdout=log, stderr=subprocess.STDOUT, env=environment)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"mediacenterd exited with {self.process.returncode}:\n{self.log()}")
            if (self.data_dir / "control.sock").exists() and self._port_open():
                listed = {entry["aeTitle"] for entry in self.access_list()}
                for title in self.allowed:
                    if title not in listed:
                        self.ctl("aet", "add", title, "127.0.0.1", "--description", "test peer")
                return
            time.sleep(0.1)
        pytest.fail(f"mediacenterd did not start within 30 s:\n{self.log()}")

    def _port_open(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"mediacenterd did not stop within 60 s of SIGTERM:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def ctl(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(self.bin / "mediacenterctl"), "--data-dir", str(self.data_dir), *arguments],
            capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            pytest.fail(f"mediacenterctl {' '.join(arguments)} exited {result.returncode}: "
                        f"{result.stderr}")
        return result

    def access_list(self) -> list[dict]:
        return json.loads(self.ctl("aet", "list", "--json").stdout)["remoteAEs"]

    def jobs(self) -> list[dict]:
        return json.loads(self.ctl("jobs", "--json").stdout)

    def wait_for_jobs(self, predicate, timeout: float = 120) -> list[dict]:
        """Polls `jobs --json` until `predicate(jobs)` holds."""
        deadline = time.monotonic() + timeout
        jobs = self.jobs()
        while not predicate(jobs):
            if time.monotonic() > deadline:
                pytest.fail(f"jobs did not reach the expected state: {json.dumps(jobs, indent=1)}"
                            f"\n{self.log()}")
            time.sleep(0.25)
            jobs = self.jobs()
        return jobs

    def storescu(self, *files: Path, check: bool = True) -> subprocess.CompletedProcess:
        """Sends files with DCMTK's storescu, one association per transfer syntax, proposing
        JPEG Lossless (+xs) or RLE (+xr) for files stored that way so they go unchanged."""
        import pydicom

        proposals = {"1.2.840.10008.1.2.4.70": ["-xs"], "1.2.840.10008.1.2.5": ["-xr"]}
        groups: dict[tuple, list[Path]] = {}
        for path in files:
            syntax = pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID
            groups.setdefault(tuple(proposals.get(syntax, [])), []).append(path)

        environment = dict(os.environ, TCP_NODELAY="1")
        result = None
        for options, paths in groups.items():
            result = subprocess.run(
                [STORESCU, "-aet", "TESTSCU", "-aec", "CDP_PRINTER", *options,
                 "127.0.0.1", str(self.port), *map(str, paths)],
                capture_output=True, text=True, timeout=120, env=environment)
            if check and result.returncode != 0:
                pytest.fail(f"storescu exited {result.returncode}:\n{result.stdout}"
                            f"{result.stderr}\n{self.log()}")
        return result

    def log_lines(self, *fragments: str) -> list[str]:
        """Returns the lines of the daemon log that contain every one of `fragments`."""
        return [line for line in self.log().splitlines()
                if all(fragment in line for fragment in fragments)]

    def spool_files(self) -> list[Path]:
        """Instances in the spool's dated folders (spool/YYYYMMDD), which hold only
        complete, acknowledged instances."""
        spool = self.data_dir / "spool"
        if not spool.exists():
            return []
        return sorted(path for folder in spool.iterdir()
                      if folder.is_dir() and folder.name.isdigit() and len(folder.name) == 8
                      for path in folder.iterdir())

    def spool_leftovers(self) -> list[Path]:
        """Temporary files left in the spool, which must always be none between transfers."""
        folder = self.data_dir / "spool" / "tmp"
        return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def daemon(tmp_path):
    """A daemon with a long completion timeout, so jobs start only on a test's request."""
    running = Daemon(tmp_path / "data", ["--completion-timeout", "600"])
    running.start()
    yield running
    code = running.stop()
    assert code == 0, f"mediacenterd exited with {code} on SIGTERM:\n{running.log()}"


@pytest.fixture
def make_daemon(tmp_path):
    """A factory for daemons with other options; each is stopped at the end of the test."""
    started: list[Daemon] = []

    def make(*extra: str, name: str = "data",
             allowed: tuple[str, ...] = TEST_AE_TITLES) -> Daemon:
        running = Daemon(tmp_path / name, list(extra), allowed=allowed)
        running.start()
        started.append(running)
        return running

    yield make
    for running in started:
        running.stop()


@functools.cache
def setting_not_in_effect(key: str) -> bool:
    """Whether `mediacenterd --help` or `--print-config` marks the configuration key `key`
    (such as `extended_sop_classes`) as checked but not in effect yet."""
    executable = binary_folder() / "mediacenterd"
    try:
        usage = subprocess.run([str(executable), "--help"], capture_output=True, text=True,
                               timeout=30).stdout
        printed = subprocess.run([str(executable), "--config", "/dev/null", "--print-config"],
                                 capture_output=True, text=True, timeout=30).stdout
    except OSError:
        # Without the executable every test fails at its start, which reports more than a skip.
        return False

    # In --help an entry starts with "  --option" and continues on more deeply indented lines.
    option = "  --" + key.replace("_", "-") + " "
    entry: list[str] = []
    for line in usage.splitlines():
        if line.startswith(option):
            entry = [line]
        elif entry and line.startswith("    "):
            entry.append(line)
        elif entry:
            break
    # In --print-config the comment lines above "key = value" describe the key.
    comments: list[str] = []
    for line in printed.splitlines():
        if line.startswith("#"):
            comments.append(line)
        elif line.startswith(key + " ="):
            break
        else:
            comments = []
    described = " ".join(entry + comments).lower()
    return "not in effect yet" in described


def extract_disc(image: Path, destination: Path) -> Path:
    """Extracts an ISO 9660 image with xorriso, as a computer reading the disc would see it."""
    destination.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["xorriso", "-osirrox", "on", "-indev", str(image), "-extract", "/", str(destination)],
        check=True, capture_output=True)
    for path in destination.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return destination


def python_executable() -> str:
    return sys.executable


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
