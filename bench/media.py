"""The media path of mediacenterd: time to the first byte on the drive, and write throughput.

One run sends a patient of N small CT slices (pydicom's 39 KB CT_small.dcm with new UIDs)
to a release build of mediacenterd on 127.0.0.1, finishes the patient with
`mediacenterctl burn --all` and waits until its disc is verified. It measures:

  first byte   from the moment `burn --all` returns, and from the job's `queued` transition,
               to the first moment the disc image under discs/virtual0/ has a size above 0. A
               thread polls the size of every file there every --poll-interval seconds.
  write        image bytes divided by the time from the first byte to the `verifying`
               transition, which the daemon records after the write and its folder fsync.
               The read-back verification (`verifying` to `done`) is reported on its own.
  xorriso      the same file tree, extracted from the daemon's image, written again with
               `xorriso -as mkisofs -o FILE` on the same disk. The first byte comes from the
               same poller. The end is after an fsync of the image and of its folder. The
               daemon does both and xorriso neither, so the bench adds them, and a table
               gives the time without them too.
               xorriso writes the tree --xorriso-runs times, and the ratio uses the fastest.

The daemon logs at debug level to a pipe that this script reads, and each line gets the
time it arrived, because the daemon's own log lines have no timestamps outside the journal.

    .venv/bin/python bench/media.py [--slices 2000] [--rounds 3] [--bin .build/release]

Prints the machine, the command, a timeline of each round and Markdown tables for
docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import harness
from harness import REPOSITORY

# The virtual drive keeps its state in this file next to the disc images.
DRIVE_STATE_FILE = "drive.json"


@dataclass
class FileGrowth:
    """The first and the last growth of one file, as the poller saw them."""

    first_byte: float | None = None
    last_growth: float | None = None
    size: int = 0


class SizePoller:
    """Polls the sizes of the files in one folder on a thread of its own.

    Times are `time.time()` seconds, the clock of the daemon's `transitions` table.
    """

    def __init__(self, folder: Path, interval: float, ignore: tuple[str, ...] = ()) -> None:
        self.folder = folder
        self.interval = interval
        self.ignore = ignore
        self.files: dict[str, FileGrowth] = {}
        self.polls = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop polling; a second call does nothing."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                entries = list(os.scandir(self.folder))
            except FileNotFoundError:
                entries = []
            now = time.time()
            for entry in entries:
                if entry.name in self.ignore or entry.name.startswith(self.ignore):
                    continue
                try:
                    size = entry.stat().st_size
                except FileNotFoundError:
                    continue
                growth = self.files.setdefault(entry.name, FileGrowth())
                if size > growth.size:
                    if growth.first_byte is None:
                        growth.first_byte = now
                    growth.last_growth = now
                    growth.size = size
            self.polls += 1
            time.sleep(self.interval)


class StampedLog:
    """Reads a process's output on a thread and writes each line with its arrival time."""

    def __init__(self, process: subprocess.Popen, path: Path) -> None:
        self.lines: list[tuple[float, str]] = []
        self._process = process
        self._path = path
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with open(self._path, "w") as output:
            for raw in self._process.stdout:
                now = time.time()
                line = raw.decode("utf-8", "replace").rstrip("\n")
                self.lines.append((now, line))
                output.write(f"{now:.6f} {line}\n")
                output.flush()

    def join(self) -> None:
        self._thread.join(timeout=10)

    def first(self, text: str) -> float | None:
        """Return the arrival time of the first line that contains `text`, or None."""
        for stamp, line in list(self.lines):
            if text in line:
                return stamp
        return None


@dataclass
class Round:
    """One patient burned by mediacenterd and its tree written again by xorriso."""

    number: int
    burn_called: float
    burn_returned: float
    transitions: dict[str, float]
    log_times: dict[str, float]
    disc_path: str
    disc_bytes: int
    disc_first_byte: float
    disc_last_growth: float
    polls: int
    # xorriso writing the same tree, --xorriso-runs times in a row.
    xorriso_writes: list[XorrisoWrite]
    notes: list[str] = field(default_factory=list)

    @property
    def first_byte_after_return(self) -> float:
        return self.disc_first_byte - self.burn_returned

    @property
    def first_byte_after_queued(self) -> float:
        return self.disc_first_byte - self.transitions["queued"]

    @property
    def write_seconds(self) -> float:
        return self.transitions["verifying"] - self.disc_first_byte

    @property
    def verify_seconds(self) -> float:
        return self.transitions["done"] - self.transitions["verifying"]

    @property
    def xorriso(self) -> XorrisoWrite:
        """The fastest of the xorriso writes, first byte to the end of the fsyncs."""
        return min(self.xorriso_writes, key=lambda write: write.synced - write.first_byte)

    @property
    def xorriso_write_seconds(self) -> float:
        """Seconds from xorriso's first byte to the end of the fsyncs that follow it."""
        return self.xorriso.synced - self.xorriso.first_byte

    @property
    def streaming_rate(self) -> float:
        """Image bytes per second from the first byte to the last growth the poller saw."""
        return self.disc_bytes / (self.disc_last_growth - self.disc_first_byte)

    @property
    def xorriso_streaming_rate(self) -> float:
        """The same for the xorriso write that streamed fastest."""
        return max(write.bytes / (write.last_growth - write.first_byte)
                   for write in self.xorriso_writes)

    @property
    def write_rate(self) -> float:
        return self.disc_bytes / self.write_seconds

    @property
    def xorriso_rate(self) -> float:
        return self.xorriso.bytes / self.xorriso_write_seconds


def run_control(binary: Path, data_dir: Path, *arguments: str) -> str:
    """Run mediacenterctl and return its output; exit with its message when it fails."""
    command = [str(binary), "--data-dir", str(data_dir), *arguments]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise SystemExit(f"`{shlex.join(command)}` exited with {result.returncode}: "
                         f"{result.stdout}{result.stderr}")
    return result.stdout


def read_transitions(database: Path) -> dict[str, float]:
    """Return the time of the first transition into each state, from the daemon's database."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        rows = connection.execute(
            "SELECT to_state, MIN(at) FROM transitions GROUP BY to_state").fetchall()
    finally:
        connection.close()
    return {state: at for state, at in rows}


def wait_for_done(binary: Path, data_dir: Path, timeout: float) -> dict:
    """Poll `jobs --json` until the only job is done or failed, and return it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = json.loads(run_control(binary, data_dir, "jobs", "--json"))
        if len(jobs) == 1 and jobs[0]["state"] in ("done", "failed"):
            return jobs[0]
        time.sleep(0.2)
    raise SystemExit(f"the job did not finish within {timeout:.0f} s; see the daemon's log in "
                     f"{data_dir.parent}")


def start_daemon(options: argparse.Namespace, folder: Path) -> tuple[subprocess.Popen, StampedLog,
                                                                       int, Path]:
    binary = Path(options.bin) / "mediacenterd"
    data_dir = folder / "data"
    port = harness.free_port()
    command = harness.mediacenterd_command(binary, data_dir, port)
    command[command.index("--log-level") + 1] = "debug"
    command += ["--virtual-disc-capacity", str(options.capacity), "--virtual-drives", "1"]
    # Without JOURNAL_STREAM the daemon logs to standard error, which this script stamps.
    environment = {key: value for key, value in os.environ.items() if key != "JOURNAL_STREAM"}
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               preexec_fn=harness.terminate_with_parent)
    log = StampedLog(process, folder / "mediacenterd.log")
    harness.wait_for_port(port, process)
    return process, log, port, data_dir


@dataclass
class XorrisoWrite:
    """xorriso writing the tree of mediacenterd's disc: `time.time()` of each step."""

    bytes: int
    started: float
    first_byte: float
    # The last time the poller saw the image grow.
    last_growth: float
    exited: float
    # After the fsync of the image and of its folder, which xorriso does not do itself.
    synced: float


def extract_tree(image: Path, folder: Path) -> Path:
    """Extract the files of the ISO 9660 `image` into `folder`/tree with xorriso."""
    tree = folder / "tree"
    extract = ["xorriso", "-osirrox", "on", "-indev", str(image), "-extract", "/", str(tree)]
    result = subprocess.run(extract, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"xorriso could not extract {image} (exit {result.returncode}): "
                         f"{result.stderr}")
    return tree


def sync_path(path: Path) -> None:
    """Flush a file or a folder to the disk with fsync(2)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_with_xorriso(tree: Path, output_folder: Path,
                       options: argparse.Namespace) -> tuple[XorrisoWrite, list[str]]:
    """Write `tree` as an ISO 9660 image with xorriso, polled like the daemon's image.

    Returns the times and the command.
    """
    output_folder.mkdir()
    output = output_folder / "tree.iso"
    command = ["xorriso", "-as", "mkisofs", "-quiet", "-iso-level", "1", "-no-pad",
               "-V", "BENCH", "-o", str(output), str(tree)]
    os.sync()
    poller = SizePoller(output_folder, options.poll_interval)
    poller.start()
    started = time.time()
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    exited = time.time()
    poller.stop()
    if result.returncode != 0:
        raise SystemExit(f"xorriso exited with {result.returncode}: {result.stderr}")

    # mediacenterd syncs its image once at the end and then its folder, and xorriso as
    # mkisofs syncs nothing, so the same two fsyncs follow here and are timed apart.
    sync_path(output)
    sync_path(output_folder)
    synced = time.time()

    growth = poller.files.get(output.name)
    if growth is None or growth.first_byte is None:
        raise SystemExit(f"the poller never saw {output} grow; lower --poll-interval")
    return XorrisoWrite(output.stat().st_size, started, growth.first_byte, growth.last_growth,
                        exited, synced), command


def run_round(number: int, options: argparse.Namespace, work: Path, slices: Path,
              expected: int) -> Round:
    folder = work / f"round{number}"
    folder.mkdir()
    control = Path(options.bin) / "mediacenterctl"
    process, log, port, data_dir = start_daemon(options, folder)
    poller = None
    try:
        transfer = harness.send_in_parallel(port, [slices], folder / "clients", options.timeout)
        if transfer.exit_codes != [0]:
            raise SystemExit(f"storescu exited with {transfer.exit_codes}; see {folder}/clients")
        jobs = json.loads(run_control(control, data_dir, "jobs", "--json"))
        if len(jobs) != 1 or jobs[0]["instances"] != expected:
            found = [(job["state"], job["instances"]) for job in jobs]
            raise SystemExit(f"expected one receiving job of {expected} instances, found "
                             f"{found}")

        os.sync()
        poller = SizePoller(data_dir / "discs" / "virtual0", options.poll_interval,
                            ignore=(DRIVE_STATE_FILE,))
        poller.start()
        # Let the poller take its first look before the patient is finished.
        time.sleep(0.1)
        burn_called = time.time()
        run_control(control, data_dir, "burn", "--all")
        burn_returned = time.time()
        job = wait_for_done(control, data_dir, options.timeout)
        poller.stop()
        if job["state"] != "done" or len(job["discs"]) != 1 or not job["discs"][0]["verified"]:
            raise SystemExit(f"the job ended {job['state']} with discs {job['discs']}; see "
                             f"{folder}/mediacenterd.log")
        transitions = read_transitions(data_dir / "mediacenter.db")
    finally:
        if poller is not None:
            poller.stop()
        harness.stop_process(process)
        log.join()

    disc_path = Path(job["discs"][0]["path"])
    growth = poller.files.get(disc_path.name)
    if growth is None or growth.first_byte is None:
        raise SystemExit(f"the poller never saw {disc_path} grow; lower --poll-interval")
    disc_bytes = disc_path.stat().st_size
    log_times = {}
    for key, text in (("file-set building", "debug: building file-set"),
                      ("file-set built", "debug: file-set built"),
                      ("write starting", "virtual disc write starting"),
                      ("libburn write finished", "debug: write finished"),
                      ("disc written", "disc written, reading it back"),
                      ("disc verified", "disc verified")):
        stamp = log.first(text)
        if stamp is not None:
            log_times[key] = stamp

    tree = extract_tree(disc_path, folder)
    writes = []
    for run in range(1, options.xorriso_runs + 1):
        write, command = write_with_xorriso(tree, folder / f"xorriso{run}", options)
        writes.append(write)
    return Round(number, burn_called, burn_returned, transitions, log_times, str(disc_path),
                 disc_bytes, growth.first_byte, growth.last_growth, poller.polls, writes,
                 [f"xorriso: {shlex.join(command)}"])


def print_round(item: Round) -> None:
    origin = item.transitions["queued"]
    events = [
        ("`burn --all` called", item.burn_called),
        ("`queued` transition (database)", item.transitions["queued"]),
        ("`burn --all` returned", item.burn_returned),
        ("`burning` transition (database)", item.transitions["burning"]),
    ]
    events += [(f"log: {key} (arrival)", stamp) for key, stamp in item.log_times.items()]
    events += [
        ("first byte of the image seen by the poller", item.disc_first_byte),
        ("last growth of the image seen by the poller", item.disc_last_growth),
        ("`verifying` transition (database)", item.transitions["verifying"]),
        ("`done` transition (database)", item.transitions["done"]),
    ]

    print(f"Round {item.number}: timeline, seconds after the `queued` transition")
    print()
    print("| event | s |")
    print("| --- | --- |")
    for name, stamp in sorted(events, key=lambda event: event[1]):
        print(f"| {name} | {stamp - origin:.3f} |")
    print()


def print_results(rounds: list[Round], options: argparse.Namespace) -> None:
    print(f"Poll interval {options.poll_interval * 1000:.1f} ms; polls of discs/virtual0/ "
          "per round: " + ", ".join(str(item.polls) for item in rounds))
    print()
    for item in rounds:
        print_round(item)

    print("| round | first byte after `burn --all` returned, s | after `queued`, s "
          "| image MB | mediacenterd write s | MB/s | read-back s "
          "| xorriso image MB | xorriso write s | MB/s | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for item in rounds:
        print(f"| {item.number} | {item.first_byte_after_return:.3f} "
              f"| {item.first_byte_after_queued:.3f} | {item.disc_bytes / 1e6:.1f} "
              f"| {item.write_seconds:.3f} | {item.write_rate / 1e6:.0f} "
              f"| {item.verify_seconds:.3f} | {item.xorriso.bytes / 1e6:.1f} "
              f"| {item.xorriso_write_seconds:.3f} | {item.xorriso_rate / 1e6:.0f} "
              f"| {item.write_rate / item.xorriso_rate:.2f} |")
    print()
    print("Streaming only, first byte to the last growth that the poller saw, no fsync:")
    print()
    print("| round | mediacenterd s | MB/s | fastest xorriso MB/s | ratio |")
    print("| --- | --- | --- | --- | --- |")
    for item in rounds:
        print(f"| {item.number} | {item.disc_last_growth - item.disc_first_byte:.3f} "
              f"| {item.streaming_rate / 1e6:.0f} | {item.xorriso_streaming_rate / 1e6:.0f} "
              f"| {item.streaming_rate / item.xorriso_streaming_rate:.2f} |")
    print()
    print("Every xorriso write:")
    print()
    print("| round | xorriso run | start to first byte, s | first byte to last growth, s "
          "| last growth to exit, s | fsync of image and folder, s | MB/s with the fsyncs "
          "| MB/s to the last growth |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for item in rounds:
        for run, write in enumerate(item.xorriso_writes, start=1):
            with_sync = write.bytes / (write.synced - write.first_byte)
            streaming = write.bytes / (write.last_growth - write.first_byte)
            print(f"| {item.number} | {run} | {write.first_byte - write.started:.3f} "
                  f"| {write.last_growth - write.first_byte:.3f} "
                  f"| {write.exited - write.last_growth:.3f} | {write.synced - write.exited:.3f} "
                  f"| {with_sync / 1e6:.0f} | {streaming / 1e6:.0f} |")
    print()
    for note in rounds[0].notes:
        print(note)


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=2000,
                        help="instances of the patient (39 KB CT slices)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="patients burned, each by a new daemon with an empty data folder")
    parser.add_argument("--xorriso-runs", type=int, default=3,
                        help="writes of the same tree by xorriso after each burn (the ratio "
                             "uses the fastest)")
    parser.add_argument("--capacity", type=int, default=4000,
                        help="capacity of the virtual disc in MiB")
    parser.add_argument("--poll-interval", type=float, default=0.001,
                        help="seconds between two looks at the size of the disc image")
    parser.add_argument("--bin", default=str(REPOSITORY / ".build/release"),
                        help="folder with the release builds of mediacenterd and mediacenterctl")
    parser.add_argument("--work-dir", default=None,
                        help="parent folder of the temporary data, which sets the disk that is "
                             "measured (default: the system's temporary folder)")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds after which sending, or waiting for the disc, fails")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (inputs, data folders, logs, images)")
    options = parser.parse_args()
    for name, value in (("--slices", options.slices), ("--rounds", options.rounds),
                        ("--xorriso-runs", options.xorriso_runs),
                        ("--capacity", options.capacity)):
        if value < 1:
            parser.error(f"invalid {name} {value}: expected a whole number of 1 or more")
    if not 0 < options.poll_interval <= 1:
        parser.error(f"invalid --poll-interval {options.poll_interval}: expected seconds "
                     "above 0 and at most 1")
    if shutil.which("xorriso") is None:
        parser.error("xorriso not found: install it with `scripts/setup --tests` "
                     "(Debian package xorriso)")
    for name in ("mediacenterd", "mediacenterctl"):
        if not (Path(options.bin) / name).is_file():
            parser.error(f"{Path(options.bin) / name} not found: build it with "
                         f"`swift build -c release --product {name}`, or pass --bin")
    return options


def main() -> None:
    options = parse_options()
    load_before = harness.load_average()
    work = Path(tempfile.mkdtemp(prefix="mediacenter-media-", dir=options.work_dir))
    try:
        print(f"Writing test data to {work} ...", file=sys.stderr)
        slices = work / "inputs"
        slices.mkdir()
        files = harness.make_slices(slices, options.slices)
        data_bytes = sum(path.stat().st_size for path in files)
        rounds = []
        for number in range(1, options.rounds + 1):
            print(f"round {number}", file=sys.stderr)
            rounds.append(run_round(number, options, work, slices, len(files)))

        print("Machine:")
        for line in harness.describe_machine(work):
            print(f"- {line}")
        print(f"- Load average (1, 5, 15 min): {load_before} before, "
              f"{harness.load_average()} after")
        print()
        print("Versions:")
        binary = Path(options.bin) / "mediacenterd"
        print(f"- mediacenterd: {harness.first_line([str(binary), '--version'])}")
        print(f"- xorriso: {harness.first_line(['xorriso', '-version'])}")
        print()
        print("Command: " + shlex.join([sys.executable, *sys.argv]))
        print()
        print(f"Data: one patient of {len(files)} CT slices, {data_bytes / 1e6:.1f} MB in all; "
              "every instance arrived and every disc verified")
        print()
        print_results(rounds, options)
    finally:
        if options.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
