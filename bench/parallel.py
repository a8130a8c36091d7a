"""C-STORE ingest with parallel associations: mediacenterd, DCMTK storescp and Orthanc.

Each measurement starts one server with an empty data folder, then N DCMTK storescu clients
at once, each with an association of its own and one Nth of the data in a folder of its own.
It takes the wall time from the first client's start to the last client's exit, then checks
that every client exited with 0 and that the server stored every instance. All servers
receive the same files, so every measurement is a first receipt of new instances.

Servers:
  mediacenterd   the release build; syncs file and folder of each instance before status 0000
  storescp       DCMTK's storescp as shipped: one process, one association at a time, no sync
  storescp-fork  storescp --fork: one child process per association, no sync (not by default)
  orthanc        Debian's Orthanc with SyncStorageArea (fdatasync of each file) in a private
                 network namespace, because it cannot bind its DICOM server to 127.0.0.1

    .venv/bin/python bench/parallel.py [--slices 2000] [--large 20] [--frames 100]
        [--clients 1,5] [--rounds 2] [--servers mediacenterd,storescp,orthanc]

Prints the machine, the command and Markdown tables for docs/BENCHMARKS.md.
"""

import argparse
import os
import shlex
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import harness
import orthanc
from harness import DCMTK_ENV, REPOSITORY, Transfer

SERVERS = ("mediacenterd", "storescp", "storescp-fork", "orthanc")
LABELS = {
    "mediacenterd": "mediacenterd (syncs each instance)",
    "storescp": "storescp (one association at a time, no sync)",
    "storescp-fork": "storescp --fork (no sync)",
    "orthanc": "Orthanc (fdatasync of each file)",
}


@dataclass
class DataSet:
    """Files of one kind, and how they are split among N clients."""

    name: str
    files: list[Path]
    root: Path

    @property
    def bytes(self) -> int:
        return sum(path.stat().st_size for path in self.files)

    def split(self, clients: int) -> list[Path]:
        """Hard-link the files into `clients` folders, round robin, and return the folders."""
        folders = [self.root / f"{clients}-clients" / f"client{number}"
                   for number in range(1, clients + 1)]
        if not folders[0].exists():
            for folder in folders:
                folder.mkdir(parents=True)
            for index, path in enumerate(self.files):
                os.link(path, folders[index % clients] / path.name)
        return folders


@dataclass
class Measurement:
    """One server receiving one data set from a number of clients at once."""

    round: int
    server: str
    clients: int
    data: str
    transfer: Transfer
    server_cpu_seconds: float


class Bench:
    """One run: the servers, the work folder and the options."""

    def __init__(self, options: argparse.Namespace, work: Path) -> None:
        self.options = options
        self.work = work
        self.binary = Path(options.bin) / "mediacenterd"
        self.orthanc_sockets: list[str] = []
        self.count = 0

    def measure(self, server: str, data: DataSet, clients: int,
                perf_command: list[str] | None = None) -> tuple[Transfer, float]:
        """Send `data` split among `clients` to a new `server`, check it, and remove it.

        With `perf_command` (such as `perf record -g -o FILE`), perf watches the server
        process while the clients run. Orthanc cannot be watched this way, because it runs in
        a network namespace of its own. Returns the transfer and the CPU seconds that the
        server used from start to stop.
        """
        self.count += 1
        folder = self.work / "servers" / f"{self.count:03d}-{server}-{clients}-{data.name}"
        inputs = data.split(clients)
        if server == "orthanc":
            if perf_command is not None:
                raise ValueError("perf cannot watch Orthanc in its network namespace")
            transfer, inside = orthanc.run_in_namespace(folder, inputs, self.options.timeout)
            self.orthanc_sockets = inside["listening"]
            cpu_seconds = inside["server_cpu_seconds"]
            stored = harness.count_files(folder / "storage")
        else:
            transfer, stored, cpu_seconds = self._measure_on_loopback(
                server, folder, inputs, perf_command)

        expected = len(data.files)
        failed = [code for code in transfer.exit_codes if code != 0]
        if failed or stored != expected:
            raise SystemExit(
                f"{server}, {clients} clients, {data.name}: {stored} of {expected} instances "
                f"stored, client exit codes {transfer.exit_codes}. Server and client logs are "
                f"in {folder}: rerun with --keep to keep them")
        if not self.options.keep:
            shutil.rmtree(folder)
        return transfer, cpu_seconds

    def _measure_on_loopback(self, server: str, folder: Path, inputs: list[Path],
                             perf_command: list[str] | None) -> tuple[Transfer, int, float]:
        port = harness.free_port()
        folder.mkdir(parents=True)
        if server == "mediacenterd":
            data_dir = folder / "data"
            command = harness.mediacenterd_command(
                self.binary, data_dir, port, max(5, len(inputs)))
            process = harness.start_process(command, folder / "server.log")
        else:
            data_dir = folder / "received"
            data_dir.mkdir()
            command = ["/usr/bin/storescp", "-aet", harness.CALLED_AE, "-od", str(data_dir)]
            if server == "storescp-fork":
                command.append("--fork")
            command.append(str(port))
            process = harness.start_process(command, folder / "server.log", env=DCMTK_ENV)

        perf = None
        try:
            harness.wait_for_port(port, process)
            if perf_command is not None:
                perf = harness.start_process(
                    [*perf_command, "-p", str(process.pid)], folder / "perf.log")
                # perf needs a moment to attach to the process and its threads.
                time.sleep(1)
            os.sync()
            transfer = harness.send_in_parallel(
                port, inputs, folder / "clients", self.options.timeout)
        finally:
            if perf is not None:
                perf.send_signal(signal.SIGINT)
                perf.wait(timeout=120)
            cpu_seconds = harness.stop_process(process)

        if server == "mediacenterd":
            spool = data_dir / "spool"
            stored = harness.count_files(spool, ".dcm", skip=spool / "tmp")
        else:
            stored = harness.count_files(data_dir)
        return transfer, stored, cpu_seconds


def make_data(work: Path, options: argparse.Namespace) -> list[DataSet]:
    slices_folder = work / "inputs" / "slices" / "all"
    slices_folder.mkdir(parents=True)
    slices = harness.make_slices(slices_folder, options.slices, matrix=options.matrix)
    large_folder = work / "inputs" / "multiframe" / "all"
    large_folder.mkdir(parents=True)
    large = [harness.make_multiframe(large_folder, options.frames, f"multiframe{index:03d}.dcm")
             for index in range(options.large)]
    return [DataSet("slices", slices, slices_folder.parent),
            DataSet("multi-frame", large, large_folder.parent)]


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=2000, help="CT slices per set")
    parser.add_argument("--matrix", type=int, default=512,
                        help="rows and columns of each CT slice (16-bit pixels)")
    parser.add_argument("--large", type=int, default=20, help="multi-frame instances per set")
    parser.add_argument("--frames", type=int, default=100,
                        help="frames of 480,000 bytes in each multi-frame instance")
    parser.add_argument("--clients", default="1,5",
                        help="comma-separated numbers of parallel clients to measure")
    parser.add_argument("--rounds", type=int, default=2,
                        help="measurements of each case (the tables keep the fastest)")
    parser.add_argument("--servers", default="mediacenterd,storescp,orthanc",
                        help=f"comma-separated servers from {', '.join(SERVERS)}")
    parser.add_argument("--bin", default=str(REPOSITORY / ".build/release"),
                        help="folder with the mediacenterd release build")
    parser.add_argument("--work-dir", default=None,
                        help="parent folder of the temporary data, which sets the disk that is "
                             "measured (default: the system's temporary folder)")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds after which the clients of one measurement are killed")
    parser.add_argument("--perf-dir", default=None,
                        help="after the rounds, run mediacenterd twice more per data set, "
                             "with the largest --clients value, under `perf record -g` and "
                             "`perf trace record`, and write the perf data files into this "
                             "folder")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (inputs, server data, logs)")
    options = parser.parse_args()

    try:
        options.client_counts = [int(text) for text in options.clients.split(",")]
    except ValueError:
        parser.error(f"invalid --clients '{options.clients}': expected numbers such as 1,5")
    if not all(1 <= count <= 64 for count in options.client_counts):
        parser.error(f"invalid --clients '{options.clients}': each number must be 1 to 64")
    options.server_names = options.servers.split(",")
    unknown = [name for name in options.server_names if name not in SERVERS]
    if unknown:
        parser.error(f"unknown server {', '.join(unknown)} in --servers: expected names from "
                     f"{', '.join(SERVERS)}")
    for name, value in (("--slices", options.slices), ("--large", options.large),
                        ("--frames", options.frames), ("--rounds", options.rounds),
                        ("--matrix", options.matrix)):
        if value < 1:
            parser.error(f"invalid {name} {value}: expected a whole number of 1 or more")
    smallest = min(options.slices, options.large)
    if max(options.client_counts) > smallest:
        parser.error(f"--clients {options.clients} has more clients than the smaller data set "
                     f"has files ({smallest}); raise --slices or --large")
    if options.perf_dir is not None and shutil.which("perf") is None:
        parser.error("--perf-dir needs perf: apt-get install linux-perf")
    return options


def print_header(options: argparse.Namespace, work: Path, data: list[DataSet],
                 load_before: str, orthanc_sockets: list[str]) -> None:
    print("Machine:")
    for line in harness.describe_machine(work):
        print(f"- {line}")
    print(f"- Load average (1, 5, 15 min): {load_before} before, {harness.load_average()} after")
    print()
    print("Versions:")
    binary = Path(options.bin) / "mediacenterd"
    print(f"- mediacenterd: {harness.first_line([str(binary), '--version'])}")
    print(f"- storescp: {harness.first_line(['/usr/bin/storescp', '--version'])}")
    print(f"- storescu: {harness.first_line([harness.STORESCU, '--version'])}")
    if "orthanc" in options.server_names:
        print(f"- Orthanc: {harness.first_line([orthanc.ORTHANC, '--version'])}")
    print()
    print("Command: " + " ".join(shlex.quote(part) for part in [sys.executable, *sys.argv]))
    print()
    for data_set in data:
        size = data_set.bytes / len(data_set.files)
        print(f"Data {data_set.name}: {len(data_set.files)} instances of {size / 1e6:.2f} MB, "
              f"{data_set.bytes / 1e6:.0f} MB in all")
    if "orthanc" in options.server_names:
        print()
        print("Orthanc ran in a private network namespace whose only interface is lo. "
              "Its listening sockets there: " + "; ".join(orthanc_sockets))


def print_results(measurements: list[Measurement], data: list[DataSet],
                  options: argparse.Namespace) -> None:
    fastest: dict[tuple[str, int, str], Measurement] = {}
    for item in measurements:
        key = (item.server, item.clients, item.data)
        if key not in fastest or item.transfer.seconds < fastest[key].transfer.seconds:
            fastest[key] = item

    print()
    header = "| server | clients |"
    rule = "| --- | --- |"
    for data_set in data:
        header += (f" {data_set.name}: instances/s | MB/s |"
                   " server CPU ms per instance |")
        rule += " --- | --- | --- |"
    print(header)
    print(rule)
    for clients in options.client_counts:
        for server in options.server_names:
            row = f"| {LABELS[server]} | {clients} |"
            for data_set in data:
                item = fastest[(server, clients, data_set.name)]
                seconds = item.transfer.seconds
                count = len(data_set.files)
                rate = count / seconds
                rate_text = f"{rate:.1f}" if rate < 100 else f"{rate:.0f}"
                row += (f" {rate_text} | {data_set.bytes / seconds / 1e6:.1f} |"
                        f" {item.server_cpu_seconds / count * 1000:.2f} |")
            print(row)

    if "mediacenterd" in options.server_names and "storescp" in options.server_names:
        print()
        for clients in options.client_counts:
            ratios = []
            for data_set in data:
                ratio = (fastest[("storescp", clients, data_set.name)].transfer.seconds
                         / fastest[("mediacenterd", clients, data_set.name)].transfer.seconds)
                ratios.append(f"{ratio:.2f} for {data_set.name}")
            print(f"mediacenterd / storescp (as shipped), {clients} clients: "
                  f"{', '.join(ratios)} (aggregate rate, fastest round; 1.0 is the same rate)")

    print()
    print("Every measurement: seconds from the first client's start to the last client's exit, "
          "and the CPU seconds (user plus system) that the server and all clients used:")
    print()
    print("| round | server | clients | data | seconds | server CPU s | clients CPU s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for item in measurements:
        print(f"| {item.round} | {item.server} | {item.clients} | {item.data} | "
              f"{item.transfer.seconds:.2f} | {item.server_cpu_seconds:.2f} | "
              f"{item.transfer.client_cpu_seconds:.2f} |")


def profile_mediacenterd(bench: Bench, data: list[DataSet],
                         options: argparse.Namespace) -> list[str]:
    """Run mediacenterd under perf for each data set, with the largest --clients value.

    Each data set is sent twice more: once under `perf record -g` (where the CPU time goes)
    and once under `perf trace record` (how long each system call waits, such as fsync).
    Returns one line per run that names its file and the rate measured under perf.
    """
    perf_dir = Path(options.perf_dir).resolve()
    perf_dir.mkdir(parents=True, exist_ok=True)
    clients = max(options.client_counts)
    lines = []
    for data_set in data:
        for kind, command in (("record", ["perf", "record", "-g"]),
                              ("trace", ["perf", "trace", "record"])):
            output = perf_dir / f"mediacenterd-{data_set.name}-{kind}.perf.data"
            print(f"perf {kind}: mediacenterd, {clients} clients, {data_set.name}",
                  file=sys.stderr)
            transfer, _ = bench.measure(
                "mediacenterd", data_set, clients, [*command, "-o", str(output)])
            rate = len(data_set.files) / transfer.seconds
            lines.append(f"`{' '.join(command)}`, {clients} clients, {data_set.name}: "
                         f"{rate:.0f} instances/s under perf, {output}")
    return lines


def main() -> None:
    options = parse_options()
    load_before = harness.load_average()
    work = Path(tempfile.mkdtemp(prefix="mediacenter-parallel-", dir=options.work_dir))
    bench = Bench(options, work)
    measurements: list[Measurement] = []
    try:
        print(f"Writing test data to {work} ...", file=sys.stderr)
        data = make_data(work, options)
        for round_number in range(1, options.rounds + 1):
            for clients in options.client_counts:
                for data_set in data:
                    for server in options.server_names:
                        print(f"round {round_number}: {server}, {clients} clients, "
                              f"{data_set.name}", file=sys.stderr)
                        transfer, cpu_seconds = bench.measure(server, data_set, clients)
                        measurements.append(Measurement(
                            round_number, server, clients, data_set.name, transfer,
                            cpu_seconds))
        profiles = []
        if options.perf_dir is not None:
            profiles = profile_mediacenterd(bench, data, options)
        print_header(options, work, data, load_before, bench.orthanc_sockets)
        print_results(measurements, data, options)
        if profiles:
            print()
            print("Profiles of mediacenterd, each from a run of its own:")
            print()
            for line in profiles:
                print(f"- {line}")
    finally:
        if options.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
