"""Parts that the benchmarks under bench/ share: test data, ports, servers and DCMTK clients.

Every server that a benchmark starts listens on 127.0.0.1 (Orthanc in a private network
namespace, see orthanc.py) and gets SIGTERM when the benchmark process dies.
"""

import ctypes
import os
import platform
import resource
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import numpy
import pydicom
from pydicom.data import get_testdata_file
from pydicom.uid import generate_uid

REPOSITORY = Path(__file__).resolve().parents[1]
DCMTK_ENV = dict(os.environ, TCP_NODELAY="1")
STORESCU = "/usr/bin/storescu"
CALLED_AE = "CDP_PRINTER"
CALLING_AE = "BENCH"

# From <sys/prctl.h>: deliver a signal to this process when its parent exits.
_PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen | None = None,
                  timeout: float = 30) -> None:
    """Wait until something accepts connections on 127.0.0.1:`port`.

    Raises SystemExit after `timeout` seconds, or as soon as `process` exits.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"the server exited with status {process.returncode} before it "
                             f"listened on 127.0.0.1:{port}; see its log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def make_slices(folder: Path, count: int, matrix: int | None = None) -> list[Path]:
    """Write `count` copies of pydicom's CT_small.dcm with new SOP Instance UIDs.

    The source is a 128x128 CT slice with 16-bit signed pixels. With `matrix`, each copy gets
    `matrix` x `matrix` pixels made by tiling the source image, so 512 gives a slice of the
    usual CT size (512 KiB of pixel data).
    """
    source = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    if matrix is not None:
        repeats = -(-matrix // min(source.Rows, source.Columns))
        tiled = numpy.tile(source.pixel_array, (repeats, repeats))[:matrix, :matrix]
        source.PixelData = numpy.ascontiguousarray(tiled).tobytes()
        source.Rows = matrix
        source.Columns = matrix
    paths = []
    for index in range(count):
        source.SOPInstanceUID = generate_uid()
        source.file_meta.MediaStorageSOPInstanceUID = source.SOPInstanceUID
        source.InstanceNumber = index + 1
        path = folder / f"slice{index:05d}.dcm"
        source.save_as(path)
        paths.append(path)
    return paths


def make_multiframe(folder: Path, frames: int, name: str = "multiframe.dcm") -> Path:
    """Write one large multi-frame instance made from pydicom-data's OBXXXX1A_2frame.dcm.

    The source is an ultrasound instance with two frames of 800x600 pixels in 8-bit palette
    colour, 480,000 bytes each. Its two frames are repeated until there are `frames` of them.
    """
    source = pydicom.dcmread(get_testdata_file("OBXXXX1A_2frame.dcm"))
    frame_bytes = len(source.PixelData) // int(source.NumberOfFrames)
    first_two = source.PixelData[: 2 * frame_bytes]
    source.PixelData = first_two * (frames // 2) + first_two[: frame_bytes * (frames % 2)]
    source.NumberOfFrames = frames
    source.SOPInstanceUID = generate_uid()
    source.file_meta.MediaStorageSOPInstanceUID = source.SOPInstanceUID
    path = folder / name
    source.save_as(path)
    return path


def terminate_with_parent() -> None:
    """Ask the kernel to send SIGTERM to this child when the benchmark process exits.

    Runs in the child between fork and exec, so that no server outlives a killed benchmark.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        os._exit(127)


def start_process(command: list[str], log: Path,
                  env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start a server with its output in `log`; it gets SIGTERM when this process exits."""
    with open(log, "wb") as output:
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, preexec_fn=terminate_with_parent)


def stop_process(process: subprocess.Popen, timeout: float = 60) -> float:
    """Stop a process started by `start_process` and return the CPU seconds it used.

    Sends SIGTERM, then SIGKILL after `timeout` seconds. The CPU time is user plus system
    time of the process and of the children it waited for, from wait4(2).
    """
    if process.returncode is not None:
        return 0.0
    process.terminate()
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid == process.pid:
            break
        if time.monotonic() > deadline:
            process.kill()
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def mediacenterd_command(binary: Path, data_dir: Path, port: int,
                         max_associations: int = 5) -> list[str]:
    """Build the command line of a mediacenterd that listens on 127.0.0.1:`port`.

    The completion timeout is a day, so no patient is finished (and burned) during a run.
    `--access-control off` is passed when this build has that option, because the access
    list would otherwise reject the benchmark's calling AE title.
    """
    if not binary.is_file():
        raise SystemExit(f"{binary} not found: build it with `swift build -c release`, or pass "
                         "--bin with the folder that contains mediacenterd")
    command = [str(binary), "--data-dir", str(data_dir), "--bind-address", "127.0.0.1",
               "--port", str(port), "--completion-timeout", "86400", "--log-level", "warning",
               "--max-associations", str(max_associations)]
    usage = subprocess.run([str(binary), "--help"], capture_output=True, text=True, check=False)
    if "--access-control" in usage.stdout + usage.stderr:
        command += ["--access-control", "off"]
    return command


@dataclass
class Transfer:
    """Clients that ran at once: wall time from the first start to the last exit."""

    seconds: float
    exit_codes: list[int]
    # User plus system time of all clients together.
    client_cpu_seconds: float


def send_in_parallel(port: int, folders: list[Path], logs: Path,
                     timeout: float = 1800) -> Transfer:
    """Run one DCMTK storescu per folder, all at once, each in an association of its own.

    The ACSE timeout is raised from storescu's 30 s to 600 s because a server that serves
    one association at a time (storescp without --fork) keeps the other clients waiting for
    their A-ASSOCIATE-AC. Clients still running after `timeout` seconds are killed.
    """
    logs.mkdir(parents=True, exist_ok=True)
    processes = []
    # Only the clients exit and are reaped between the two readings.
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    for number, folder in enumerate(folders, start=1):
        with open(logs / f"storescu{number}.log", "wb") as output:
            processes.append(subprocess.Popen(
                [STORESCU, "--acse-timeout", "600", "-aec", CALLED_AE, "-aet", CALLING_AE,
                 "127.0.0.1", str(port), "+sd", str(folder)],
                env=DCMTK_ENV, stdout=output, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, preexec_fn=terminate_with_parent))
    deadline = started + timeout
    exit_codes = []
    for process in processes:
        try:
            exit_codes.append(process.wait(timeout=max(0.0, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            process.kill()
            exit_codes.append(process.wait())
    seconds = time.monotonic() - started
    usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = (usage_after.ru_utime - usage_before.ru_utime
                   + usage_after.ru_stime - usage_before.ru_stime)
    return Transfer(seconds, exit_codes, cpu_seconds)


def count_files(root: Path, suffix: str = "", skip: Path | None = None) -> int:
    """Count regular files under `root` whose name ends with `suffix`, outside `skip`."""
    count = 0
    for folder, subfolders, names in os.walk(root):
        if skip is not None and Path(folder) == skip:
            subfolders.clear()
            continue
        count += sum(1 for name in names if name.endswith(suffix))
    return count


def first_line(command: list[str]) -> str:
    """Run `command` and return the first non-empty line of its output, or 'unknown'."""
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except OSError:
        return "unknown"
    for line in (result.stdout + result.stderr).splitlines():
        if line.strip():
            return line.strip()
    return "unknown"


def describe_machine(work: Path) -> list[str]:
    """Describe the CPU, memory, kernel and the disk that contains `work`, one line each."""
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        memory_kib = int(meminfo.readline().split()[1])

    system = platform.platform()
    try:
        system = platform.freedesktop_os_release()["PRETTY_NAME"]
    except OSError:
        pass

    mount = first_line(["findmnt", "--noheadings", "--output", "SOURCE,FSTYPE,OPTIONS",
                        "--target", str(work)])
    device = mount.split()[0] if mount != "unknown" else ""
    disk = f"{mount}"
    if mount.split()[1:2] == ["ext4"]:
        # jbd2 lists one folder per journal, named after the device.
        journals = [entry.name for entry in Path("/proc/fs/jbd2").glob("*")]
        journaled = any(name.startswith(Path(device).name + "-") for name in journals)
        disk += "; with a journal" if journaled else "; without a journal"

    queue = Path("/sys/block") / Path(device).name / "queue"
    if device.startswith("/dev/") and queue.is_dir():
        rotational = (queue / "rotational").read_text().strip() == "1"
        scheduler = (queue / "scheduler").read_text().strip()
        disk += (f"; the kernel reports it as {'rotational' if rotational else 'non-rotational'}, "
                 f"I/O scheduler {scheduler}")

    return [
        f"CPU: {os.cpu_count()} cores, {cpu}",
        f"Memory: {memory_kib / 2**20:.1f} GiB",
        f"System: {system}, kernel {platform.release()} ({platform.machine()})",
        f"Disk under {work}: {disk}",
    ]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"
