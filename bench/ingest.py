"""C-STORE ingest of mediacenterd against DCMTK's storescp, side by side in one run.

Both servers run on 127.0.0.1 with a data folder of their own; DCMTK's storescu sends the
same files to each, one association per round, with TCP_NODELAY=1 for every DCMTK peer.
mediacenterd syncs every instance (file and folder) before it sends status 0000; storescp
does not sync at all.

    .venv/bin/python bench/ingest.py [--slices 500] [--frames 100] [--rounds 3]

Prints a Markdown table for docs/BENCHMARKS.md.
"""

import argparse
import os
import platform
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from harness import (DCMTK_ENV, REPOSITORY, free_port, make_multiframe, make_slices,
                     mediacenterd_command, wait_for_port)


def send(port: int, files: list[Path]) -> float:
    """Sends `files` in one storescu association and returns the seconds it took."""
    started = time.monotonic()
    subprocess.run(
        ["/usr/bin/storescu", "-aec", "CDP_PRINTER", "-aet", "BENCH", "127.0.0.1", str(port),
         *map(str, files)],
        check=True, env=DCMTK_ENV, capture_output=True)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=500)
    parser.add_argument("--frames", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bin", default=str(REPOSITORY / ".build/release"))
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mediacenter-bench-"))
    inputs = work / "inputs"
    inputs.mkdir()
    # Each round sends new instances, so mediacenterd never takes the path of a resent
    # instance, which replaces the earlier copy and costs an extra unlink.
    rounds = []
    for number in range(options.rounds):
        folder = inputs / f"round{number}"
        folder.mkdir()
        rounds.append(
            (make_slices(folder, options.slices), make_multiframe(folder, options.frames)))
    slice_bytes = sum(path.stat().st_size for path in rounds[0][0])
    large_bytes = rounds[0][1].stat().st_size

    servers = {}
    processes = []
    try:
        storescp_port = free_port()
        (work / "storescp").mkdir()
        processes.append(subprocess.Popen(
            ["/usr/bin/storescp", "-aet", "CDP_PRINTER", "-od", str(work / "storescp"),
             str(storescp_port)],
            env=DCMTK_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        servers["storescp (DCMTK 3.6.7, no sync)"] = storescp_port

        product_port = free_port()
        processes.append(subprocess.Popen(
            mediacenterd_command(Path(options.bin) / "mediacenterd", work / "mediacenterd",
                                 product_port),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        servers["mediacenterd (syncs each instance)"] = product_port

        for port in servers.values():
            wait_for_port(port)

        results = {name: {"slices": [], "large": []} for name in servers}
        for slices, large in rounds:
            for name, port in servers.items():
                results[name]["slices"].append(send(port, slices))
                results[name]["large"].append(send(port, [large]))
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)

    print(f"Machine: {platform.node()}, {os.cpu_count()} cores, {platform.platform()}")
    print(f"Command: .venv/bin/python bench/ingest.py --slices {options.slices} "
          f"--frames {options.frames} --rounds {options.rounds}")
    print()
    print("| server | small CT slices: instances/s | MB/s | "
          f"one {large_bytes / 1e6:.0f} MB multi-frame: MB/s |")
    print("| --- | --- | --- | --- |")
    for name, times in results.items():
        best_slices = min(times["slices"])
        best_large = min(times["large"])
        print(f"| {name} | {options.slices / best_slices:.0f} | "
              f"{slice_bytes / best_slices / 1e6:.1f} | {large_bytes / best_large / 1e6:.1f} |")
    names = list(results)
    ratio = min(results[names[0]]["slices"]) / min(results[names[1]]["slices"])
    ratio_large = min(results[names[0]]["large"]) / min(results[names[1]]["large"])
    print()
    print(f"mediacenterd / storescp: {ratio:.2f} for slices, {ratio_large:.2f} for the "
          "multi-frame file (best of each round; 1.0 is the same rate)")


if __name__ == "__main__":
    main()
