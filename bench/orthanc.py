"""Orthanc as a benchmark peer, run in a private network namespace.

Orthanc 1.10.1 (Debian 12) has no option for the address of its DICOM server: DicomPort is
the only setting, and the server binds to every interface. So parallel.py runs Orthanc and
its storescu clients in a network namespace of their own (`unshare --net`) whose only
interface is lo. Orthanc's 0.0.0.0 there is unreachable from the host and the network.

parallel.py calls `run_in_namespace`, which starts this file inside the namespace:

    unshare --net -- python bench/orthanc.py REQUEST.json

The request file names the folders to send and the folder for Orthanc's data. The helper
writes its result to the file that the request names: seconds, exit codes, Orthanc's CPU
time, and the interfaces and listening sockets that it found inside the namespace.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

from harness import (CALLED_AE, CALLING_AE, DCMTK_ENV, Transfer, free_port, send_in_parallel,
                     start_process, stop_process, terminate_with_parent, wait_for_port)

ORTHANC = "/usr/sbin/Orthanc"


def write_configuration(folder: Path, port: int, clients: int) -> Path:
    """Write an Orthanc configuration for one measurement into `folder` and return its path.

    The DICOM server accepts C-STORE only from the benchmark's calling AE title, and it has
    one thread per client. The HTTP server and plugins are off. Storage and index live in
    `folder`. SyncStorageArea is Orthanc's default since 1.7.4 and is set here so that the
    record shows it: each stored file is flushed to disk before the C-STORE response.
    """
    for name in ("storage", "index", "tmp"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    configuration = {
        "Name": "mediacenter-bench",
        "StorageDirectory": str(folder / "storage"),
        "IndexDirectory": str(folder / "index"),
        "TemporaryDirectory": str(folder / "tmp"),
        "StorageCompression": False,
        "SyncStorageArea": True,
        "Plugins": [],
        "LuaScripts": [],
        "HttpServerEnabled": False,
        "DicomServerEnabled": True,
        "DicomAet": CALLED_AE,
        "DicomCheckCalledAet": True,
        "DicomPort": port,
        "DicomThreadsCount": clients,
        "DicomAlwaysAllowEcho": False,
        "DicomAlwaysAllowStore": False,
        "DicomCheckModalityHost": True,
        # Orthanc would connect to this port only for C-MOVE, which the benchmark never
        # requests. Nothing listens there.
        "DicomModalities": {
            "bench": {"AET": CALLING_AE, "Host": "127.0.0.1", "Port": free_port(),
                      "AllowEcho": True, "AllowStore": True, "AllowFind": False,
                      "AllowGet": False, "AllowMove": False},
        },
    }
    path = folder / "orthanc.json"
    path.write_text(json.dumps(configuration, indent=2))
    return path


def run_in_namespace(folder: Path, inputs: list[Path], timeout: float) -> tuple[Transfer, dict]:
    """Send `inputs` (one storescu per folder) to a new Orthanc in a private network namespace.

    Returns the transfer and a dictionary with Orthanc's CPU time (`server_cpu_seconds`),
    the namespace's interfaces and Orthanc's listening sockets there. Orthanc's files end up
    in `folder`/storage.
    """
    unshare = shutil.which("unshare")
    if unshare is None:
        raise SystemExit("unshare not found: install util-linux")
    if not Path(ORTHANC).is_file():
        raise SystemExit(f"{ORTHANC} not found: install Orthanc with `scripts/setup --bench`")
    namespace = [unshare, "--net"]
    if os.geteuid() != 0:
        # A user namespace gives an unprivileged user the right to create the network one.
        namespace = [unshare, "--map-root-user", "--net"]

    folder.mkdir(parents=True, exist_ok=True)
    request = {"folder": str(folder), "inputs": [str(path) for path in inputs],
               "timeout": timeout, "result": str(folder / "result.json")}
    (folder / "request.json").write_text(json.dumps(request))
    completed = subprocess.run(
        [*namespace, "--", sys.executable, str(Path(__file__).resolve()),
         str(folder / "request.json")],
        timeout=timeout + 120, check=False, preexec_fn=terminate_with_parent)
    if completed.returncode != 0:
        raise SystemExit(f"the Orthanc measurement failed with status {completed.returncode}; "
                         f"see {folder}/orthanc.log")
    result = json.loads((folder / "result.json").read_text())
    return Transfer(**result.pop("transfer")), result


def _bring_up_loopback() -> list[str]:
    """Set lo up in this namespace and return its interface names, which must be only lo."""
    ip = shutil.which("ip") or "/usr/sbin/ip"
    subprocess.run([ip, "link", "set", "lo", "up"], check=True)
    interfaces = [name for _, name in socket.if_nameindex()]
    if interfaces != ["lo"]:
        raise SystemExit(f"the network namespace has interfaces {interfaces}, expected only lo. "
                         "Orthanc was not started because it listens on every interface. "
                         "Run it through parallel.py, which starts it in `unshare --net`")
    return interfaces


def _listening_sockets() -> list[str]:
    """List the listening TCP sockets of this namespace, as `ss -ltnp` shows them."""
    ss = shutil.which("ss") or "/usr/bin/ss"
    output = subprocess.run([ss, "-ltnpH"], capture_output=True, text=True, check=True).stdout
    return [" ".join(line.split()) for line in output.splitlines() if line.strip()]


def _measure(request: dict) -> None:
    """Run inside the namespace: start Orthanc, send the inputs at once, stop Orthanc."""
    folder = Path(request["folder"])
    inputs = [Path(path) for path in request["inputs"]]
    interfaces = _bring_up_loopback()
    port = free_port()
    configuration = write_configuration(folder, port, clients=len(inputs))
    orthanc = start_process([ORTHANC, str(configuration)], folder / "orthanc.log",
                            env=DCMTK_ENV)
    try:
        wait_for_port(port, orthanc)
        listening = _listening_sockets()
        os.sync()
        transfer = send_in_parallel(port, inputs, folder / "clients", request["timeout"])
    finally:
        cpu_seconds = stop_process(orthanc)
    result = {"transfer": asdict(transfer), "server_cpu_seconds": cpu_seconds,
              "interfaces": interfaces, "listening": listening, "port": port}
    Path(request["result"]).write_text(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: orthanc.py REQUEST.json (parallel.py starts this inside "
                         "`unshare --net`; run bench/parallel.py instead)")
    _measure(json.loads(Path(sys.argv[1]).read_text()))
