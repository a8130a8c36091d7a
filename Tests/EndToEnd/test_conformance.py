"""Conformance of the Storage SCP, end to end. The real daemon on 127.0.0.1 meets DCMTK's
echoscu and storescu, pynetdicom, and a PDU-level client (pdu_client.py). That client does
what the other peers avoid on purpose, such as stopping in the middle of a message.

Each test starts its own daemon on a free port with a data directory of its own, and stops
it at the end. docs/CONFORMANCE.md maps each requirement of the Storage SCP to these tests.
"""

import json
import os
import re
import socket
import struct
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy
import pydicom
import pytest
from pydicom.filereader import read_file_meta_info
from pydicom.uid import generate_uid
from pynetdicom import AE, _config, evt
from pynetdicom.pdu import A_ASSOCIATE_RJ
from pynetdicom.sop_class import CTImageStorage, Verification

import pdu_client
from conftest import (ECHOSCU, REPOSITORY, binary_folder, extract_disc, sample_file,
                      setting_not_in_effect)

CT = "1.2.840.10008.5.1.4.1.1.2"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
BASIC_TEXT_SR = "1.2.840.10008.5.1.4.1.1.88.11"
SEGMENTATION = "1.2.840.10008.5.1.4.1.1.66.4"
STUDY_ROOT_FIND = "1.2.840.10008.5.1.4.1.2.2.1"
EXPLICIT = "1.2.840.10008.1.2.1"
IMPLICIT = "1.2.840.10008.1.2"
JPEG_LOSSLESS = "1.2.840.10008.1.2.4.70"
JPEG_BASELINE = "1.2.840.10008.1.2.4.50"
RLE = "1.2.840.10008.1.2.5"

# Presentation context results of an A-ASSOCIATE-AC (PS3.8 section 9.3.3.2).
ABSTRACT_SYNTAX_NOT_SUPPORTED = 3
TRANSFER_SYNTAXES_NOT_SUPPORTED = 4


@pytest.fixture
def start_daemon(make_daemon):
    """Starts daemons that collect until a test burns (completion timeout 600 s), and checks
    at the end that each one stopped cleanly on SIGTERM."""
    started = []

    def start(*options: str, **keywords):
        daemon = make_daemon("--completion-timeout", "600", *options, **keywords)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        code = daemon.stop()
        assert code == 0, f"mediacenterd exited with {code} on SIGTERM:\n{daemon.log()}"


def dcmtk_echo(port: int, calling: str, called: str = "CDP_PRINTER"):
    """Sends one C-ECHO with DCMTK's echoscu."""
    return subprocess.run(
        [ECHOSCU, "-aet", calling, "-aec", called, "127.0.0.1", str(port)],
        capture_output=True, text=True, timeout=60, env=dict(os.environ, TCP_NODELAY="1"))


def pynetdicom_associate(port: int, contexts: list[tuple[str, list[str]]],
                         calling: str = "PYNETDICOM", called: str = "CDP_PRINTER",
                         max_pdu: int = 16382):
    """Requests an association with pynetdicom, proposing one context per entry. The
    returned association has `rejections`, the A-ASSOCIATE-RJ PDUs that arrived."""
    ae = AE(ae_title=calling)
    for abstract_syntax, transfer_syntaxes in contexts:
        ae.add_requested_context(abstract_syntax, transfer_syntaxes)
    rejections = []

    def record(event) -> None:
        if isinstance(event.pdu, A_ASSOCIATE_RJ):
            rejections.append(event.pdu)

    association = ae.associate("127.0.0.1", port, ae_title=called, max_pdu=max_pdu,
                               evt_handlers=[(evt.EVT_PDU_RECV, record)])
    association.rejections = rejections
    return association


def rejection(association) -> tuple[int, int, int]:
    """Returns (result, source, reason) of the A-ASSOCIATE-RJ that arrived.

    It is read from the PDU as received: when an A-ASSOCIATE-RJ arrives and the
    connection closes before pynetdicom 3.0.4's requesting thread looks at the socket, it
    reports a failed connection and keeps no response, although the PDU arrived."""
    assert len(association.rejections) == 1, "no A-ASSOCIATE-RJ arrived"
    pdu = association.rejections[0]
    return pdu.result, pdu.source, pdu.reason_diagnostic


def raw_association(port: int, contexts: list[tuple[str, list[str]]],
                    calling: str = "PYNETDICOM", called: str = "CDP_PRINTER", **options):
    """Opens a PDU-level association with context IDs 1, 3, 5, ...; returns the connection
    and the response."""
    connection = pdu_client.PDUConnection(port)
    numbered = [(2 * index + 1, abstract, syntaxes)
                for index, (abstract, syntaxes) in enumerate(contexts)]
    return connection, connection.associate(calling, called, numbered, **options)


def image_data_set(sop_instance: str, patient_id: str = "CONF-1", sop_class: str = CT,
                   study: str = "1.2.826.0.1.3680043.8.498.10.1", rows: int = 2,
                   columns: int = 2) -> bytes:
    """Encodes, in Explicit VR Little Endian, an image with 8-bit pixels and the keys the
    daemon files an instance by. The pixel values count up and wrap at 256."""
    text = pdu_client.text_value
    uid = pdu_client.uid_value
    pixels = (bytes(range(256)) * (rows * columns // 256 + 1))[:rows * columns]
    return pdu_client.encode_data_set([
        (0x00080016, "UI", uid(sop_class)),
        (0x00080018, "UI", uid(sop_instance)),
        (0x00080060, "CS", text("OT")),
        (0x00100010, "PN", text("CONFORMANCE^TEST")),
        (0x00100020, "LO", text(patient_id)),
        (0x0020000D, "UI", uid(study)),
        (0x0020000E, "UI", uid(study + ".1")),
        (0x00280002, "US", struct.pack("<H", 1)),
        (0x00280004, "CS", text("MONOCHROME2")),
        (0x00280010, "US", struct.pack("<H", rows)),
        (0x00280011, "US", struct.pack("<H", columns)),
        (0x00280100, "US", struct.pack("<H", 8)),
        (0x00280101, "US", struct.pack("<H", 8)),
        (0x00280102, "US", struct.pack("<H", 7)),
        (0x00280103, "US", struct.pack("<H", 0)),
        (0x7FE00010, "OB", pixels),
    ], explicit=True)


def write_instance_file(folder: Path, sop_class: str, sop_instance: str, transfer_syntax: str,
                        data_set: bytes) -> Path:
    """Writes `data_set` unchanged behind File Meta Information that names `sop_instance`,
    which pynetdicom then puts in the C-STORE request."""
    path = folder / f"{sop_instance}.dcm"
    meta = pdu_client.file_meta_information(sop_class, sop_instance, transfer_syntax)
    path.write_bytes(meta + data_set)
    return path


def send_files_unchanged(port: int, monkeypatch, paths: list[Path],
                         contexts: list[tuple[str, list[str]]]) -> list[int]:
    """Sends files with pynetdicom, each data set byte for byte as it is in its file, and
    returns the status of each C-STORE."""
    # With this pynetdicom setting send_c_store streams the data set from the file instead
    # of decoding and encoding it again.
    monkeypatch.setattr(_config, "STORE_SEND_CHUNKED_DATASET", True)
    association = pynetdicom_associate(port, contexts)
    assert association.is_established
    try:
        return [association.send_c_store(path).Status for path in paths]
    finally:
        association.release()


def spool_file_of(daemon, sop_instance: str) -> Path:
    """Returns the spool file whose File Meta Information names `sop_instance`."""
    matches = [path for path in daemon.spool_files()
               if read_file_meta_info(path).MediaStorageSOPInstanceUID == sop_instance]
    assert len(matches) == 1, (sop_instance, daemon.spool_files())
    return matches[0]


def job_of(jobs: list[dict], patient_id: str) -> dict:
    matches = [job for job in jobs if job["patientID"] == patient_id]
    assert len(matches) == 1, (patient_id, jobs)
    return matches[0]


def logged(daemon, *fragments: str, count: int = 1, timeout: float = 10) -> list[str]:
    """Waits until the daemon log has `count` lines with all of `fragments` and returns
    those lines. The daemon logs a rejection or the end of an association only once the
    connection is closed, which may be a moment after the peer had its response."""
    wait_until(lambda: len(daemon.log_lines(*fragments)) >= count, timeout)
    lines = daemon.log_lines(*fragments)
    assert len(lines) == count, f"expected {count} log lines with {fragments}:\n{daemon.log()}"
    return lines


def wait_until(condition, timeout: float, interval: float = 0.1) -> bool:
    """Polls `condition` until it is true or `timeout` seconds pass, and returns its last
    value."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return bool(condition())
        time.sleep(interval)
    return True


# ---- 1. Access control ----

class TestAccessControl:
    def test_unknown_calling_ae_is_rejected(self, start_daemon):
        daemon = start_daemon()

        association = pynetdicom_associate(daemon.port, [(Verification, [EXPLICIT])],
                                           calling="STRANGER")
        echo = dcmtk_echo(daemon.port, "OUTSIDER")

        assert not association.is_established
        assert rejection(association) == (1, 1, 3)
        assert echo.returncode != 0
        assert "Calling AE Title Not Recognized" in echo.stdout + echo.stderr
        for title in ("STRANGER", "OUTSIDER"):
            lines = logged(daemon, f"calling.ae={title}", "calling AE title not recognized")
            assert "is not in the access list" in lines[0]

    def test_wrong_called_ae_is_rejected(self, start_daemon):
        daemon = start_daemon()

        association = pynetdicom_associate(daemon.port, [(Verification, [EXPLICIT])],
                                           called="NOT_THIS_NODE")

        assert not association.is_established
        assert rejection(association) == (1, 1, 7)
        logged(daemon, "calling.ae=PYNETDICOM", "called.ae=NOT_THIS_NODE",
               "called AE title not recognized")

    def test_calling_ae_from_other_host(self, start_daemon):
        daemon = start_daemon()
        # 10.255.255.1 is only a value in the list: the daemon never connects to it.
        daemon.ctl("aet", "add", "FARAWAY", "10.255.255.1", "--port", "104")

        association = pynetdicom_associate(daemon.port, [(Verification, [EXPLICIT])],
                                           calling="FARAWAY")

        assert not association.is_established
        assert rejection(association) == (1, 1, 3)
        lines = logged(daemon, "calling.ae=FARAWAY", "calling AE title not recognized")
        assert "connected from 127.0.0.1" in lines[0]
        assert "only from 10.255.255.1" in lines[0]

    def test_access_list_json(self, start_daemon):
        daemon = start_daemon()
        daemon.ctl("aet", "add", "FARAWAY", "10.255.255.1", "--port", "104",
                   "--description", "listed only")

        listed = daemon.ctl("aet", "list", "--json")

        output = json.loads(listed.stdout)
        assert output["accessControl"] is True
        entries = {entry["aeTitle"]: entry for entry in output["remoteAEs"]}
        assert set(entries) == {"FARAWAY", "TESTSCU", "ECHOSCU", "STORESCU", "PYNETDICOM"}
        assert entries["FARAWAY"]["host"] == "10.255.255.1"
        assert entries["FARAWAY"]["port"] == 104
        assert entries["FARAWAY"]["description"] == "listed only"
        assert entries["PYNETDICOM"]["host"] == "127.0.0.1"

    @pytest.mark.parametrize("host", ["10.0.0.0/33", "bad_host!", "300.1.2.3", "-leading.dash"])
    def test_aet_add_rejects_bad_host(self, start_daemon, host):
        daemon = start_daemon()

        result = daemon.ctl("aet", "add", "NEWPEER", host, check=False)

        assert result.returncode in (1, 2), result
        assert host in result.stderr
        assert "NEWPEER" not in {entry["aeTitle"] for entry in daemon.access_list()}

    def test_aet_add_rejects_duplicate_title(self, start_daemon):
        daemon = start_daemon()

        result = daemon.ctl("aet", "add", "PYNETDICOM", "10.1.2.3", check=False)

        assert result.returncode in (1, 2), result
        assert "PYNETDICOM" in result.stderr
        assert "already" in result.stderr
        hosts = {entry["aeTitle"]: entry["host"] for entry in daemon.access_list()}
        assert hosts["PYNETDICOM"] == "127.0.0.1"

    def test_aet_remove_unknown_title_fails(self, start_daemon):
        daemon = start_daemon()

        result = daemon.ctl("aet", "remove", "NOBODY_HERE", check=False)

        assert result.returncode in (1, 2), result
        assert "NOBODY_HERE" in result.stderr

    def test_removal_applies_to_next_association(self, start_daemon):
        daemon = start_daemon()
        before = pynetdicom_associate(daemon.port, [(Verification, [EXPLICIT])])
        assert before.is_established
        before.release()

        daemon.ctl("aet", "remove", "PYNETDICOM")
        after = pynetdicom_associate(daemon.port, [(Verification, [EXPLICIT])])

        assert not after.is_established
        assert rejection(after) == (1, 1, 3)

    def test_open_mode_accepts_unknown_ae(self, start_daemon):
        daemon = start_daemon("--access-control", "off", allowed=())

        association = pynetdicom_associate(daemon.port, [(Verification, [EXPLICIT])],
                                           calling="ANYBODY")

        assert association.is_established
        assert association.send_c_echo().Status == 0
        association.release()
        assert daemon.log_lines("warning", "open mode"), daemon.log()

    def test_daemon_opens_no_outgoing_connection(self, start_daemon):
        # The Storage SCP only accepts associations. The access list names a peer port, yet
        # every TCP socket of the daemon must be its listener or a connection it accepted.
        daemon = start_daemon()
        daemon.ctl("aet", "add", "FARAWAY", "10.255.255.1", "--port", "104")
        connection, response = raw_association(
            daemon.port, [(pdu_client.VERIFICATION, [EXPLICIT])])
        with connection:
            assert response.accepted
            assert connection.echo(1) == 0

            local_ports = daemon_tcp_local_ports(daemon.process.pid)

            assert connection.release()
        assert local_ports, "no TCP socket of the daemon found"
        assert set(local_ports) == {daemon.port}


def daemon_tcp_local_ports(pid: int) -> list[int]:
    """Returns the local port of every TCP socket that process `pid` has open."""
    inodes = set()
    for descriptor in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{descriptor}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = []
    for table in ("tcp", "tcp6"):
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                ports.append(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


# ---- Association rules: application context, AE titles, identity, operations ----

def implementation_identity() -> tuple[str, str]:
    """Reads the product's Implementation Class UID and Version Name from its source."""
    source = (REPOSITORY / "Sources/MediaCenterCore/ImplementationIdentity.swift").read_text()
    class_uid = re.search(r'classUID = "([0-9.]+)"', source).group(1)
    version = re.search(r'versionName = "([^"]+)"', source).group(1)
    return class_uid, version


class TestAssociationRules:
    def test_other_application_context_is_rejected(self, start_daemon):
        daemon = start_daemon()

        connection, response = raw_association(
            daemon.port, [(pdu_client.VERIFICATION, [EXPLICIT])],
            application_context="1.2.826.0.1.3680043.8.498.99")
        connection.close()

        assert response.pdu_type == pdu_client.PDU_ASSOCIATE_RJ
        assert (response.result, response.source, response.reason) == (1, 1, 2)
        logged(daemon, "calling.ae=PYNETDICOM", "application context name not supported")

    def test_each_configured_ae_title_is_accepted(self, start_daemon):
        daemon = start_daemon("--ae-titles", "FIRST_AE,SECOND_AE")

        first = dcmtk_echo(daemon.port, "ECHOSCU", "FIRST_AE")
        second = dcmtk_echo(daemon.port, "ECHOSCU", "SECOND_AE")
        default = pynetdicom_associate(daemon.port, [(Verification, [EXPLICIT])],
                                       called="CDP_PRINTER")

        assert first.returncode == 0, first.stdout + first.stderr
        assert second.returncode == 0, second.stdout + second.stderr
        assert not default.is_established
        assert rejection(default) == (1, 1, 7)

    def test_accept_names_implementation_identity(self, start_daemon, tmp_path, monkeypatch):
        daemon = start_daemon()
        class_uid, version = implementation_identity()

        connection, response = raw_association(daemon.port, [(CT, [EXPLICIT])])
        with connection:
            assert connection.release()
        sop_instance = generate_uid()
        path = write_instance_file(tmp_path, CT, sop_instance, EXPLICIT,
                                   image_data_set(sop_instance))
        assert send_files_unchanged(daemon.port, monkeypatch, [path], [(CT, [EXPLICIT])]) == [0]
        meta = read_file_meta_info(spool_file_of(daemon, sop_instance))

        assert response.implementation_class_uid == class_uid
        assert response.implementation_version_name == version
        assert class_uid.startswith("2.25.")
        assert 1 <= len(version) <= 16
        assert meta.ImplementationClassUID == class_uid
        assert meta.ImplementationVersionName == version
        assert meta.SourceApplicationEntityTitle == "PYNETDICOM"

    def test_operations_window_is_not_granted(self, start_daemon):
        # Asynchronous operations are not supported: the response leaves the window out,
        # which means one outstanding operation each way, or grants at most 1 and 1.
        daemon = start_daemon()

        connection, response = raw_association(
            daemon.port, [(pdu_client.VERIFICATION, [EXPLICIT])], operations_window=(8, 8))
        with connection:
            assert response.accepted
            assert connection.echo(1) == 0
            assert connection.release()

        assert response.operations_window in (None, (1, 1))


# ---- 2. Association pool ----

class TestAssociationPool:
    def test_pool_accepts_five_rejects_five(self, start_daemon):
        daemon = start_daemon("--max-associations", "5")
        outcomes: list[tuple | None] = [None] * 10
        everyone_answered = threading.Barrier(10)

        def request(index: int) -> None:
            association = pynetdicom_associate(daemon.port, [(Verification, [EXPLICIT])])
            if association.is_established:
                outcomes[index] = ("accepted",)
            elif association.rejections:
                outcomes[index] = ("rejected", *rejection(association))
            else:
                outcomes[index] = ("no response",)
            # Every association stays open until all ten have their response.
            everyone_answered.wait(timeout=60)
            if association.is_established:
                association.release()

        threads = [threading.Thread(target=request, args=(index,)) for index in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)

        assert outcomes.count(("accepted",)) == 5, outcomes
        assert outcomes.count(("rejected", 2, 3, 2)) == 5, outcomes
        logged(daemon, "calling.ae=PYNETDICOM", "local limit exceeded", count=5)


# ---- 3. Leaks ----

def thread_names(pid: int) -> list[str]:
    names = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            names.append(Path(f"/proc/{pid}/task/{task}/comm").read_text().strip())
        except OSError:
            pass  # The thread ended while the folder was read.
    return sorted(names)


def open_descriptors(pid: int) -> list[str]:
    targets = []
    for descriptor in os.listdir(f"/proc/{pid}/fd"):
        try:
            targets.append(os.readlink(f"/proc/{pid}/fd/{descriptor}"))
        except OSError:
            pass
    return sorted(targets)


def is_dispatch_worker(name: str) -> bool:
    """Whether a thread belongs to libdispatch's global pool, which Ingest uses to sync
    files. libdispatch names them after their queue (com.apple.root.<qos>-qos, cut to 15
    characters), starts them on demand and retires them after some idle seconds."""
    return "qos" in name


class TestResourceLeaks:
    def test_500_associations_leak_nothing(self, start_daemon):
        # The limit leaves room for connections that a client closed but whose thread has
        # not ended yet, so no request of the four client threads is rejected for the pool.
        daemon = start_daemon("--max-associations", "16")
        pid = daemon.process.pid
        kinds = ["echo", "store", "abort", "connect-close", "unknown-ae"]

        def associate(index: int) -> str:
            kind = kinds[index % len(kinds)]
            if kind == "connect-close":
                socket.create_connection(("127.0.0.1", daemon.port), timeout=10).close()
                return kind
            calling = "NOT_LISTED" if kind == "unknown-ae" else "PYNETDICOM"
            connection, response = raw_association(
                daemon.port, [(pdu_client.VERIFICATION, [EXPLICIT]), (CT, [EXPLICIT])],
                calling=calling)
            with connection:
                if kind == "unknown-ae":
                    return kind if response.pdu_type == pdu_client.PDU_ASSOCIATE_RJ else "failed"
                if not response.accepted:
                    return "failed"
                if kind == "abort":
                    connection.abort()
                    return kind
                if kind == "echo":
                    status = connection.echo(1)
                else:
                    uid = f"1.2.826.0.1.3680043.8.498.500.{index}"
                    status = connection.store(3, CT, uid, image_data_set(uid, "LEAK-1"))
                return kind if status == 0 and connection.release() else "failed"

        # One association of each kind first, so that what the daemon sets up once for good
        # (libdispatch's manager thread and its event descriptors) is there before the
        # baseline is taken.
        assert [associate(index) for index in range(len(kinds))] == kinds
        assert wait_until(
            lambda: not any(name.startswith("dicom-assoc") for name in thread_names(pid)),
            timeout=10)
        threads_before = thread_names(pid)
        descriptors_before = open_descriptors(pid)

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(associate, range(len(kinds), len(kinds) + 500)))
        elapsed = time.monotonic() - started

        assert "failed" not in results
        assert elapsed < 60

        def settled() -> bool:
            threads = thread_names(pid)
            own = [name for name in threads if not is_dispatch_worker(name)]
            own_before = [name for name in threads_before if not is_dispatch_worker(name)]
            return (own == own_before and len(threads) <= len(threads_before)
                    and open_descriptors(pid) == descriptors_before)

        # Finished association threads are joined at once, but libdispatch retires its idle
        # workers only after some seconds.
        wait_until(settled, timeout=20, interval=0.25)
        threads_after = thread_names(pid)
        own_after = [name for name in threads_after if not is_dispatch_worker(name)]
        assert own_after == [name for name in threads_before if not is_dispatch_worker(name)]
        assert len(threads_after) <= len(threads_before), (threads_before, threads_after)
        assert open_descriptors(pid) == descriptors_before
        stored = sum(job["instances"] for job in daemon.jobs())
        assert stored == 1 + results.count("store")
        assert daemon.spool_leftovers() == []


# ---- 4. Timeouts ----

def watch_until_dropped(connection: pdu_client.PDUConnection, started: float, limit: float,
                        until_closed: bool = True) -> tuple[float | None, float | None]:
    """Reads from `connection` for at most `limit` seconds after `started` (a
    time.monotonic() value). Returns the seconds from `started` until the first A-ABORT or
    end of the connection, and until the end; None for what did not happen in time. With
    `until_closed` False it returns at the first of the two."""
    first = closed = None
    while closed is None and (until_closed or first is None):
        remaining = started + limit - time.monotonic()
        if remaining <= 0:
            break
        connection.socket.settimeout(remaining)
        try:
            received = connection.read_pdu()
        except (socket.timeout, TimeoutError):
            break
        if first is None:
            first = time.monotonic() - started
        if received is None:
            closed = time.monotonic() - started
    return first, closed


def stall(daemon, how: str) -> tuple[pdu_client.PDUConnection, float]:
    """Opens an association and stops sending: right after the A-ASSOCIATE-AC, between two
    PDUs of a C-STORE data set, or inside one. Returns the connection and the time of the
    last byte sent."""
    uid = generate_uid()
    data_set = image_data_set(uid, rows=400, columns=500)
    connection, response = raw_association(daemon.port, [(CT, [EXPLICIT])])
    assert response.accepted
    if how != "after the association":
        connection.send_message(1, pdu_client.store_request(1, CT, uid))
        pdus = connection.data_pdus(1, data_set, command=False)
        connection.send(pdus[0])
        connection.send(pdus[1] if how == "between PDUs" else pdus[1][:1000])
    return connection, time.monotonic()


STALLS = ["after the association", "between PDUs", "inside a PDU"]


class TestTimeouts:
    @pytest.mark.parametrize("how", STALLS)
    def test_stalled_peer_gets_abort(self, start_daemon, how):
        daemon = start_daemon("--dimse-timeout", "2")

        connection, last_sent = stall(daemon, how)
        with connection:
            if how != "after the association":
                assert wait_until(lambda: daemon.spool_leftovers() != [], timeout=1)
            aborted, _ = watch_until_dropped(connection, last_sent, limit=8, until_closed=False)

        # The daemon's timer may start a moment before this side took `last_sent`, because
        # it waits for the next message as soon as its A-ASSOCIATE-AC is sent.
        assert aborted is not None, "no A-ABORT within 8 s"
        assert 1.5 <= aborted <= 5, aborted
        logged(daemon, "with PYNETDICOM closed: aborted")
        assert daemon.spool_leftovers() == []
        assert daemon.spool_files() == []
        assert daemon.jobs() == []
        assert dcmtk_echo(daemon.port, "ECHOSCU").returncode == 0

    def test_stalled_peers_sockets_are_closed(self, start_daemon):
        daemon = start_daemon("--dimse-timeout", "2")
        stalled = {how: stall(daemon, how) for how in STALLS}

        with ThreadPoolExecutor(max_workers=len(STALLS)) as pool:
            watched = {how: pool.submit(watch_until_dropped, connection, last_sent, 6)
                       for how, (connection, last_sent) in stalled.items()}
            drops = {how: future.result() for how, future in watched.items()}
        for connection, _ in stalled.values():
            connection.close()

        for how, (aborted, closed) in drops.items():
            assert aborted is not None, how
            assert closed is not None and closed <= 5.5, (how, aborted, closed)

    @pytest.mark.parametrize("sent", ["nothing", "part of an A-ASSOCIATE-RQ"])
    def test_connection_without_request_is_closed(self, start_daemon, sent):
        daemon = start_daemon("--association-timeout", "2")
        request = pdu_client.associate_request(
            "PYNETDICOM", "CDP_PRINTER", [(1, pdu_client.VERIFICATION, [EXPLICIT])])

        with pdu_client.PDUConnection(daemon.port) as connection:
            if sent != "nothing":
                connection.send(request[:30])
            _, closed = watch_until_dropped(connection, time.monotonic(), limit=8)

        assert closed is not None, "the connection was still open after 8 s"
        assert 1.5 <= closed <= 5, closed
        logged(daemon, "ended before an association: ASC_receiveAssociation failed")
        assert dcmtk_echo(daemon.port, "ECHOSCU").returncode == 0

    def test_log_entries_stay_on_one_line(self, start_daemon):
        daemon = start_daemon("--dimse-timeout", "2")

        connection, last_sent = stall(daemon, "inside a PDU")
        with connection:
            watch_until_dropped(connection, last_sent, limit=8, until_closed=False)
        logged(daemon, "with PYNETDICOM closed: aborted")

        entry = re.compile(r"^[a-z-]+ (error|warning|notice|info|debug): ")
        assert [line for line in daemon.log().splitlines() if not entry.match(line)] == []


# ---- 5. A-ABORT during a C-STORE ----

class TestAbortDuringStore:
    @pytest.mark.parametrize("sent_pdus", [0, 1, 3])
    def test_abort_mid_store_leaves_nothing(self, start_daemon, sent_pdus):
        daemon = start_daemon()
        uid = generate_uid()
        data_set = image_data_set(uid, rows=200, columns=500)
        connection, response = raw_association(daemon.port, [(CT, [EXPLICIT])])
        assert response.accepted
        pdus = connection.data_pdus(1, data_set, command=False)
        assert len(pdus) > sent_pdus + 1

        # The command, then `sent_pdus` of the data set's PDUs, then the A-ABORT.
        connection.send_message(1, pdu_client.store_request(1, CT, uid))
        for pdu in pdus[:sent_pdus]:
            connection.send(pdu)
        if sent_pdus:
            assert wait_until(lambda: daemon.spool_leftovers() != [], timeout=2)
        else:
            time.sleep(0.3)
        connection.abort()

        assert wait_until(lambda: daemon.log_lines("aborted by the peer"), timeout=10)
        assert daemon.spool_leftovers() == []
        assert daemon.spool_files() == []
        assert daemon.jobs() == []
        daemon.storescu(sample_file("CT_small.dcm"))
        assert [job["instances"] for job in daemon.jobs()] == [1]


# ---- 6. Negotiation ----

def sop_class_table() -> list[tuple[str, str, list[str]]]:
    """Reads (UID, name, transfer syntaxes in order of preference) of every SOP class from
    SOPClassTable.swift, so that the test follows the table."""
    source = (REPOSITORY / "Sources/MediaCenterCore/SOPClassTable.swift").read_text()
    syntaxes = dict(re.findall(r'case (\w+) = "([0-9.]+)"', source))
    entries = re.findall(
        r'SOPClass\(\s*uid: "([0-9.]+)",\s*name: "([^"]+)",\s*transferSyntaxes: \[([^\]]*)\]',
        source)
    table = [(uid, name, [syntaxes[case] for case in re.findall(r"\.(\w+)", listed)])
             for uid, name, listed in entries]
    assert len(table) == source.count("SOPClass("), \
        "SOPClassTable.swift has an entry this parser does not read"
    return table


def chunks(items: list, size: int) -> list[list]:
    return [items[start:start + size] for start in range(0, len(items), size)]


class TestNegotiation:
    def test_every_class_and_syntax_accepted(self, start_daemon):
        daemon = start_daemon()
        table = sop_class_table()
        proposals = [(uid, syntax) for uid, _, syntaxes in table for syntax in syntaxes]
        assert len(table) >= 66
        assert len(proposals) > 128

        accepted = []
        for part in chunks(proposals, 128):
            association = pynetdicom_associate(
                daemon.port, [(uid, [syntax]) for uid, syntax in part])
            assert association.is_established
            contexts = sorted(association.accepted_contexts, key=lambda cx: cx.context_id)
            accepted += [(cx.abstract_syntax, cx.transfer_syntax[0]) for cx in contexts]
            assert association.rejected_contexts == []
            association.release()

        assert accepted == proposals

    def test_unknown_class_rejected_per_context(self, start_daemon):
        daemon = start_daemon()
        private_class = "1.2.826.0.1.3680043.8.498.4711"

        association = pynetdicom_associate(daemon.port, [
            (CT, [EXPLICIT]), (STUDY_ROOT_FIND, [EXPLICIT, IMPLICIT]),
            (Verification, [IMPLICIT]), (private_class, [EXPLICIT])])

        assert association.is_established
        accepted = {cx.abstract_syntax for cx in association.accepted_contexts}
        rejected = {cx.abstract_syntax: cx.result for cx in association.rejected_contexts}
        assert accepted == {CT, Verification}
        assert rejected == {STUDY_ROOT_FIND: ABSTRACT_SYNTAX_NOT_SUPPORTED,
                            private_class: ABSTRACT_SYNTAX_NOT_SUPPORTED}
        assert association.send_c_echo().Status == 0
        association.release()

    @pytest.mark.parametrize("sop_class, proposed, chosen", [
        (CT, [RLE, IMPLICIT, EXPLICIT], EXPLICIT),
        (CT, [RLE, JPEG_LOSSLESS], JPEG_LOSSLESS),
        (CT, [JPEG_BASELINE, RLE, IMPLICIT], IMPLICIT),
        (BASIC_TEXT_SR, [JPEG_LOSSLESS, RLE, IMPLICIT, EXPLICIT], EXPLICIT),
        (BASIC_TEXT_SR, [RLE, IMPLICIT], IMPLICIT),
    ])
    def test_first_preferred_syntax_is_chosen(self, start_daemon, sop_class, proposed, chosen):
        daemon = start_daemon()

        association = pynetdicom_associate(daemon.port, [(sop_class, proposed)])

        assert association.is_established
        [context] = association.accepted_contexts
        assert context.transfer_syntax == [chosen]
        association.release()

    def test_duplicate_contexts_are_all_accepted(self, start_daemon):
        daemon = start_daemon()
        proposals = [(CT, [EXPLICIT, IMPLICIT])] * 3 + [(CT, [IMPLICIT])] * 2

        association = pynetdicom_associate(daemon.port, proposals)

        assert association.is_established
        syntaxes = sorted((cx.context_id, cx.transfer_syntax[0])
                          for cx in association.accepted_contexts)
        assert [syntax for _, syntax in syntaxes] == [EXPLICIT] * 3 + [IMPLICIT] * 2
        assert association.rejected_contexts == []
        association.release()

    def test_unsupported_syntaxes_rejected_per_context(self, start_daemon):
        daemon = start_daemon()

        association = pynetdicom_associate(daemon.port, [
            (CT, [JPEG_BASELINE]), (BASIC_TEXT_SR, [JPEG_LOSSLESS, RLE]), (CT, [EXPLICIT])])

        assert association.is_established
        rejected = sorted((cx.context_id, cx.abstract_syntax, cx.result)
                          for cx in association.rejected_contexts)
        assert rejected == [(1, CT, TRANSFER_SYNTAXES_NOT_SUPPORTED),
                            (3, BASIC_TEXT_SR, TRANSFER_SYNTAXES_NOT_SUPPORTED)]
        assert [cx.context_id for cx in association.accepted_contexts] == [5]
        association.release()

    def test_extended_class_is_rejected_by_default(self, start_daemon):
        daemon = start_daemon()

        association = pynetdicom_associate(daemon.port, [
            (SEGMENTATION, [EXPLICIT, IMPLICIT]), (CT, [EXPLICIT])])

        assert association.is_established
        assert [(cx.abstract_syntax, cx.result) for cx in association.rejected_contexts] == \
            [(SEGMENTATION, ABSTRACT_SYNTAX_NOT_SUPPORTED)]
        assert [cx.abstract_syntax for cx in association.accepted_contexts] == [CT]
        association.release()
        logged(daemon, "rejected: Segmentation Storage: SOP class not accepted (it is in the "
                       "extended set, which extended_sop_classes turns on)")

    def test_rejected_transfer_syntaxes_are_named_in_the_log(self, start_daemon):
        daemon = start_daemon()

        association = pynetdicom_associate(daemon.port, [(CT, [JPEG_BASELINE]), (CT, [EXPLICIT])])

        assert association.is_established
        association.release()
        logged(daemon, "rejected: CT Image Storage: none of the proposed transfer syntaxes is "
                       "accepted (JPEGBaseline 1.2.840.10008.1.2.4.50)")

    @pytest.mark.skipif(setting_not_in_effect("extended_sop_classes"),
                        reason="mediacenterd says extended_sop_classes is not in effect yet")
    def test_extended_class_is_accepted_when_on(self, start_daemon, tmp_path, monkeypatch):
        daemon = start_daemon("--extended-sop-classes", "on")

        association = pynetdicom_associate(daemon.port, [
            (SEGMENTATION, [EXPLICIT]), (CT, [EXPLICIT])])

        assert association.is_established
        assert association.rejected_contexts == []
        accepted = sorted((cx.abstract_syntax, cx.transfer_syntax[0])
                          for cx in association.accepted_contexts)
        assert accepted == sorted([(SEGMENTATION, EXPLICIT), (CT, EXPLICIT)])
        association.release()
        sop_instance = generate_uid()
        path = write_instance_file(
            tmp_path, SEGMENTATION, sop_instance, EXPLICIT,
            image_data_set(sop_instance, "SEG-1", sop_class=SEGMENTATION))
        statuses = send_files_unchanged(daemon.port, monkeypatch, [path],
                                        [(SEGMENTATION, [EXPLICIT])])
        assert statuses == [0]
        assert job_of(daemon.jobs(), "SEG-1")["instances"] == 1


# ---- 7. Maximum PDU size ----

class TestMaxPDU:
    @pytest.mark.parametrize("max_pdu", [4096, 65536])
    def test_one_megabyte_instance_arrives_intact(self, start_daemon, tmp_path, monkeypatch,
                                                     max_pdu):
        daemon = start_daemon("--max-pdu-size", str(max_pdu))
        sop_instance = generate_uid()
        data_set = image_data_set(sop_instance, "PDU-1", rows=1024, columns=1024)
        path = write_instance_file(tmp_path, CT, sop_instance, EXPLICIT, data_set)

        connection, response = raw_association(daemon.port, [(CT, [EXPLICIT])])
        with connection:
            assert connection.release()
        statuses = send_files_unchanged(daemon.port, monkeypatch, [path], [(CT, [EXPLICIT])])

        assert response.max_pdu_length == max_pdu
        assert statuses == [0]
        stored = pdu_client.data_set_of_file(spool_file_of(daemon, sop_instance))
        assert len(stored) > 1_000_000
        assert stored == data_set

    def test_pynetdicom_sees_the_announced_size(self, start_daemon):
        daemon = start_daemon("--max-pdu-size", "4096")

        association = pynetdicom_associate(daemon.port, [(CT, [EXPLICIT])])

        assert association.is_established
        assert association.acceptor.maximum_length == 4096
        association.release()


# ---- 8. C-STORE status codes ----

class TestStatusCodes:
    def test_success_means_instance_is_stored(self, start_daemon):
        daemon = start_daemon()
        connection, response = raw_association(daemon.port, [(CT, [EXPLICIT])])

        with connection:
            assert response.accepted
            for index in range(3):
                uid = f"1.2.826.0.1.3680043.8.498.800.{index}"
                status = connection.store(1, CT, uid, image_data_set(uid, "OK-1"))

                # Checked before anything else happens: the response came after the rename
                # into the spool and the database commit.
                assert status == 0
                assert spool_file_of(daemon, uid).is_file()
                assert job_of(daemon.jobs(), "OK-1")["instances"] == index + 1
            assert connection.release()
        assert daemon.spool_leftovers() == []
        assert len(daemon.log_lines("C-STORE status 0000", "calling.ae=PYNETDICOM")) == 3

    def test_unparsable_data_set_gets_c000(self, start_daemon, tmp_path, monkeypatch):
        daemon = start_daemon("--log-level", "debug")
        sop_instance = generate_uid()
        # A valid first element, then an element header whose length runs past the end.
        garbage = pdu_client.encode_element(0x00080016, "UI", pdu_client.uid_value(CT), True)
        garbage += struct.pack("<HH", 0x0008, 0x0018) + b"UI" + struct.pack("<H", 200) + b"1.2"
        garbage += b"\0"
        path = write_instance_file(tmp_path, CT, sop_instance, EXPLICIT, garbage)

        statuses = send_files_unchanged(daemon.port, monkeypatch, [path], [(CT, [EXPLICIT])])

        assert statuses == [0xC000]
        self.assert_nothing_kept(daemon)
        lines = logged(daemon, "status C000", "calling.ae=PYNETDICOM",
                       f"sop.instance={sop_instance}")
        assert "cannot be parsed" in lines[0]

    def test_damaged_compressed_pixel_data_gets_c000(self, start_daemon, tmp_path, monkeypatch):
        daemon = start_daemon("--log-level", "debug")
        good = sample_file("JPEG-LL.dcm")
        damaged = pydicom.dcmread(good)
        damaged.SOPInstanceUID = generate_uid()
        damaged.file_meta.MediaStorageSOPInstanceUID = damaged.SOPInstanceUID
        # One fragment of zero bytes: valid DICOM, but no JPEG bitstream.
        damaged.PixelData = pydicom.encaps.encapsulate([bytes(1000)])
        damaged_path = tmp_path / "damaged.dcm"
        damaged.save_as(damaged_path, enforce_file_format=True)
        sop_class = str(damaged.SOPClassUID)

        statuses = send_files_unchanged(
            daemon.port, monkeypatch, [damaged_path, good], [(sop_class, [JPEG_LOSSLESS])])

        assert statuses == [0xC000, 0x0000]
        assert len(daemon.spool_files()) == 1
        assert daemon.spool_leftovers() == []
        # Above debug the UID is masked; the debug copy of the entry shows it.
        lines = logged(daemon, "status C000", f"sop.instance={damaged.SOPInstanceUID}")
        assert "pixel data cannot be decoded" in lines[0]
        masked = logged(daemon, "status C000", "sop.instance=<uid>")
        assert damaged.SOPInstanceUID not in masked[0]

    def test_mismatched_instance_uid_gets_a900(self, start_daemon, tmp_path, monkeypatch):
        daemon = start_daemon("--log-level", "debug")
        requested = generate_uid()
        in_data_set = generate_uid()
        path = write_instance_file(tmp_path, CT, requested, EXPLICIT,
                                   image_data_set(in_data_set))

        statuses = send_files_unchanged(daemon.port, monkeypatch, [path], [(CT, [EXPLICIT])])

        assert statuses == [0xA900]
        self.assert_nothing_kept(daemon)
        lines = logged(daemon, "status A900", "calling.ae=PYNETDICOM", f"sop.instance={requested}")
        assert "differs from the request" in lines[0]

    def test_spool_above_high_water_gets_a700(self, start_daemon, tmp_path, monkeypatch):
        usage = os.statvfs(tmp_path)
        # The daemon counts as df does: used blocks against used plus available ones.
        in_use = usage.f_blocks - usage.f_bfree
        used = in_use / (in_use + usage.f_bavail) * 100
        if used <= 1:
            pytest.skip(f"the file system of {tmp_path} is only {used:.2f} % full, not above 1 %")
        daemon = start_daemon("--log-level", "debug", "--spool-high-water", "1")
        sop_instance = generate_uid()
        path = write_instance_file(tmp_path, CT, sop_instance, EXPLICIT,
                                   image_data_set(sop_instance))

        statuses = send_files_unchanged(daemon.port, monkeypatch, [path], [(CT, [EXPLICIT])])

        assert statuses == [0xA700]
        self.assert_nothing_kept(daemon)
        lines = logged(daemon, "status A700", "calling.ae=PYNETDICOM",
                       f"sop.instance={sop_instance}")
        assert "high-water mark of 1 %" in lines[0]

    @staticmethod
    def assert_nothing_kept(daemon) -> None:
        assert daemon.spool_leftovers() == []
        assert daemon.spool_files() == []
        assert daemon.jobs() == []


# ---- 9. Duplicates ----

def ct_variant(patient_id: str, sop_instance: str, study: str) -> pydicom.Dataset:
    dataset = pydicom.dcmread(sample_file("CT_small.dcm"))
    dataset.SOPInstanceUID = sop_instance
    dataset.file_meta.MediaStorageSOPInstanceUID = sop_instance
    dataset.StudyInstanceUID = study
    dataset.PatientID = patient_id
    return dataset


class TestDuplicates:
    def test_same_instance_twice_is_kept_once(self, start_daemon):
        daemon = start_daemon("--log-level", "debug")
        dataset = ct_variant("DUP-1", generate_uid(), generate_uid())
        association = pynetdicom_associate(daemon.port, [(CTImageStorage, [EXPLICIT])])
        assert association.is_established

        statuses = [association.send_c_store(dataset).Status for _ in range(2)]
        association.release()

        assert statuses == [0, 0]
        assert [job["instances"] for job in daemon.jobs()] == [1]
        assert len(daemon.spool_files()) == 1
        logged(daemon, "duplicate", f"sop.instance={dataset.SOPInstanceUID}")

    def test_corrected_patient_id_moves_instance(self, start_daemon):
        daemon = start_daemon()
        study = generate_uid()
        first, second = generate_uid(), generate_uid()
        association = pynetdicom_associate(daemon.port, [(CTImageStorage, [EXPLICIT])])
        assert association.is_established

        statuses = [association.send_c_store(ct_variant("WRONG-ID", uid, study)).Status
                    for uid in (first, second)]
        statuses.append(association.send_c_store(ct_variant("RIGHT-ID", first, study)).Status)
        jobs_after_one = daemon.jobs()
        statuses.append(association.send_c_store(ct_variant("RIGHT-ID", second, study)).Status)
        association.release()
        jobs_after_both = daemon.jobs()

        assert statuses == [0, 0, 0, 0]
        assert job_of(jobs_after_one, "WRONG-ID")["instances"] == 1
        assert job_of(jobs_after_one, "RIGHT-ID")["instances"] == 1
        assert all(job["state"] == "receiving" for job in jobs_after_one)
        assert [job["patientID"] for job in jobs_after_both] == ["RIGHT-ID"]
        assert jobs_after_both[0]["instances"] == 2
        assert len(daemon.spool_files()) == 2
        moved = logged(daemon, "duplicate instance moved here", count=2)
        assert "now empty and removed" in moved[1]


# ---- 10. Data integrity ----

# Patients whose text elements need each character set; the values are made up.
CHARACTER_SETS = [
    ("ISO_IR 100", "latin_1", "Müller^Jürgen", "Größe und Maß"),
    ("ISO_IR 192", "utf_8", "Παπαδοπούλου^Ελένη=山本^花子", "頭部 CT Ελληνικά"),
    ("\\ISO 2022 IR 87", "iso2022_jp", "Suzuki^Hanako=鈴木^花子=すずき^はなこ", "頭部検査"),
    ("GB18030", "gb18030", "Li^Hua=李^华", "头部检查"),
]


def text_instance(index: int, charset: str, codec: str, name: str, description: str,
                  explicit: bool) -> tuple[str, str, bytes]:
    """Encodes a data set with text in `charset`, a private creator and three elements under
    it (two of them OB values of odd length), a retired element, and pixel data. Returns
    the SOP Instance UID, the Patient ID and the data set.

    DCMTK 3.6.7 aborts an association on a PDV fragment of odd length, so the second odd
    value keeps the length of the whole data set even."""
    text = pdu_client.text_value
    uid = pdu_client.uid_value
    sop_instance = generate_uid()
    patient_id = f"TEXT-{index}"
    study = generate_uid()
    elements = [
        (0x00080005, "CS", text(charset)),
        (0x00080010, "SH", text("ACR-NEMA 2.0")),  # Recognition Code, retired
        (0x00080016, "UI", uid(SECONDARY_CAPTURE)),
        (0x00080018, "UI", uid(sop_instance)),
        (0x00080060, "CS", text("OT")),
        (0x00081030, "LO", text(description.encode(codec))),
        (0x00090010, "LO", text("CONFORMANCE TEST")),
        (0x00091001, "LO", text(description.encode(codec))),
        (0x00091002, "OB", b"\x01\x02\x03"),
        (0x00091003, "OB", b"\x05"),
        (0x00100010, "PN", text(name.encode(codec))),
        (0x00100020, "LO", text(patient_id)),
        (0x0020000D, "UI", uid(study)),
        (0x0020000E, "UI", uid(study + ".1")),
        (0x00280002, "US", struct.pack("<H", 1)),
        (0x00280004, "CS", text("MONOCHROME2")),
        (0x00280010, "US", struct.pack("<H", 2)),
        (0x00280011, "US", struct.pack("<H", 2)),
        (0x00280100, "US", struct.pack("<H", 8)),
        (0x00280101, "US", struct.pack("<H", 8)),
        (0x00280102, "US", struct.pack("<H", 7)),
        (0x00280103, "US", struct.pack("<H", 0)),
        (0x7FE00010, "OB", bytes([1, 2, 3, 4])),
    ]
    return sop_instance, patient_id, pdu_client.encode_data_set(elements, explicit)


class TestDataIntegrity:
    @pytest.mark.parametrize("transfer_syntax", [EXPLICIT, IMPLICIT])
    def test_data_set_is_stored_byte_for_byte(self, start_daemon, tmp_path, monkeypatch,
                                              transfer_syntax):
        daemon = start_daemon()
        explicit = transfer_syntax == EXPLICIT
        sent = {}
        paths = []
        for index, (charset, codec, name, description) in enumerate(CHARACTER_SETS):
            sop_instance, _, data_set = text_instance(
                index, charset, codec, name, description, explicit)
            sent[sop_instance] = (charset, data_set)
            paths.append(write_instance_file(tmp_path, SECONDARY_CAPTURE, sop_instance,
                                             transfer_syntax, data_set))

        statuses = send_files_unchanged(daemon.port, monkeypatch, paths,
                                        [(SECONDARY_CAPTURE, [transfer_syntax])])

        assert statuses == [0] * len(CHARACTER_SETS)
        for sop_instance, (charset, data_set) in sent.items():
            path = spool_file_of(daemon, sop_instance)
            assert read_file_meta_info(path).TransferSyntaxUID == transfer_syntax
            stored = pdu_client.data_set_of_file(path)
            assert stored == data_set, (charset, first_difference(stored, data_set))

    @pytest.mark.parametrize("charset, codec, name, description", [
        pytest.param(*CHARACTER_SETS[0], id="ISO_IR 100"),
        pytest.param(*CHARACTER_SETS[1], id="ISO_IR 192"),
        pytest.param(*CHARACTER_SETS[2], id="ISO 2022 IR 87"),
        pytest.param(*CHARACTER_SETS[3], id="GB18030"),
    ])
    def test_patient_name_is_decoded(self, start_daemon, tmp_path, monkeypatch, charset,
                                     codec, name, description):
        daemon = start_daemon()
        sop_instance, patient_id, data_set = text_instance(
            0, charset, codec, name, description, explicit=True)
        path = write_instance_file(tmp_path, SECONDARY_CAPTURE, sop_instance, EXPLICIT,
                                   data_set)

        statuses = send_files_unchanged(daemon.port, monkeypatch, [path],
                                        [(SECONDARY_CAPTURE, [EXPLICIT])])

        assert statuses == [0]
        assert job_of(daemon.jobs(), patient_id)["patientName"] == name


def first_difference(one: bytes, other: bytes) -> str:
    """Describes where two byte strings part, for a readable failure."""
    for offset, (left, right) in enumerate(zip(one, other)):
        if left != right:
            return f"first difference at byte {offset}: {one[offset:offset + 16]!r} " \
                   f"instead of {other[offset:offset + 16]!r}"
    return f"lengths {len(one)} and {len(other)}"


# ---- 11. Transcoding ----

class TestTranscoding:
    def test_instances_are_stored_as_explicit_vr_le(self, start_daemon, tmp_path):
        daemon = start_daemon("--transcode-to", EXPLICIT)
        originals = {}
        for name in ("MR_small_implicit.dcm", "MR_small_RLE.dcm"):
            dataset = pydicom.dcmread(sample_file(name))
            dataset.SOPInstanceUID = generate_uid()
            dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
            originals[dataset.SOPInstanceUID] = (name, dataset)

        association = pynetdicom_associate(daemon.port, [
            (dataset.SOPClassUID, [dataset.file_meta.TransferSyntaxUID])
            for _, dataset in originals.values()])
        assert association.is_established
        statuses = [association.send_c_store(dataset).Status
                    for _, dataset in originals.values()]
        association.release()

        assert statuses == [0, 0]
        for sop_instance, (name, original) in originals.items():
            path = spool_file_of(daemon, sop_instance)
            stored = pydicom.dcmread(path)
            assert stored.file_meta.TransferSyntaxUID == EXPLICIT, name
            # An explicit VR data set has two upper-case letters after its first tag.
            assert pdu_client.data_set_of_file(path)[4:6].isupper(), name
            for element in original:
                if element.tag == 0x7FE00010:
                    continue
                assert element.tag in stored, (name, element)
                assert stored[element.tag].value == element.value, (name, element)
            assert numpy.array_equal(stored.pixel_array, original.pixel_array), name
            if original.file_meta.TransferSyntaxUID == IMPLICIT:
                assert stored.PixelData == original.PixelData, name
        assert daemon.log_lines("C-STORE status 0000", "calling.ae=PYNETDICOM")


# ---- 12. Patient grouping and the DICOMDIR ----

def write_ct_file(folder: Path, **changes) -> Path:
    """Writes a copy of CT_small.dcm with new SOP and Study Instance UIDs; a change to None
    removes that attribute."""
    dataset = pydicom.dcmread(sample_file("CT_small.dcm"))
    dataset.SOPInstanceUID = generate_uid()
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    dataset.StudyInstanceUID = generate_uid()
    for keyword, value in changes.items():
        if value is None:
            if keyword in dataset:
                delattr(dataset, keyword)
        else:
            setattr(dataset, keyword, value)
    path = folder / f"{dataset.SOPInstanceUID}.dcm"
    dataset.save_as(path, enforce_file_format=True)
    return path


def directory_records(dicomdir: Path, record_type: str) -> list:
    return [record for record in pydicom.dcmread(dicomdir).DirectoryRecordSequence
            if record.DirectoryRecordType == record_type]


class TestPatientGrouping:
    def test_grouping_edge_cases_and_dicomdir(self, start_daemon, tmp_path):
        daemon = start_daemon()
        files = tmp_path / "files"
        files.mkdir()
        paths = [
            # Two patients without Patient ID, with different names and studies.
            write_ct_file(files, PatientName="NOID^FIRST", PatientID=None,
                          AccessionNumber=None),
            write_ct_file(files, PatientName="NOID^SECOND", PatientID="",
                          AccessionNumber=""),
            # One Patient ID under two names.
            write_ct_file(files, PatientName="SHARED^ONE", PatientID="SHARED-1"),
            write_ct_file(files, PatientName="SHARED^TWO", PatientID="SHARED-1"),
            # One patient, one study without Study ID and one with an empty Study ID.
            write_ct_file(files, PatientName="STUDY^IDS", PatientID="STUDYID-1", StudyID=None),
            write_ct_file(files, PatientName="STUDY^IDS", PatientID="STUDYID-1", StudyID=""),
        ]

        daemon.storescu(*paths)
        receiving = daemon.jobs()
        daemon.ctl("burn", "--all")
        jobs = daemon.wait_for_jobs(
            lambda jobs: all(job["state"] in ("done", "failed") for job in jobs))

        generated = [job for job in receiving if job["patientIDGenerated"]]
        assert sorted(job["patientName"] for job in generated) == ["NOID^FIRST", "NOID^SECOND"]
        assert generated[0]["patientID"] != generated[1]["patientID"]
        shared = sorted(job["patientName"] for job in receiving
                        if job["patientID"] == "SHARED-1")
        assert shared == ["SHARED^ONE", "SHARED^TWO"]
        assert job_of(receiving, "STUDYID-1")["instances"] == 2
        assert len(receiving) == 5

        assert all(job["state"] == "done" for job in jobs), jobs
        for job in jobs:
            root = extract_disc(Path(job["discs"][0]["path"]), tmp_path / f"disc{job['id']}")
            patient_ids = [record.PatientID
                           for record in directory_records(root / "DICOMDIR", "PATIENT")]
            assert len(patient_ids) == len(set(patient_ids)), (job, patient_ids)
            if job["patientID"] == "STUDYID-1":
                studies = directory_records(root / "DICOMDIR", "STUDY")
                assert len(studies) == 2
                for study in studies:
                    assert "StudyID" in study
                    assert str(study.StudyID).strip() != ""
                check = subprocess.run(["/usr/bin/dciodvfy", str(root / "DICOMDIR")],
                                       capture_output=True, text=True, timeout=60)
                errors = [line for line in (check.stdout + check.stderr).splitlines()
                          if line.startswith("Error")]
                assert errors == []


# ---- Configuration defaults ----

class TestConfigurationDefaults:
    def test_print_config_shows_network_defaults(self):
        result = subprocess.run(
            [str(binary_folder() / "mediacenterd"), "--config", "/dev/null", "--print-config"],
            capture_output=True, text=True, timeout=30)

        assert result.returncode == 0, result.stderr
        lines = set(result.stdout.splitlines())
        for expected in ["ae_titles = CDP_PRINTER", "port = 104", "max_associations = 5",
                         "max_pdu_size = 16384", "association_timeout = 10",
                         "dimse_timeout = 30", "access_control = on",
                         "extended_sop_classes = off", "transcode_to = none"]:
            assert expected in lines
