"""End to end: the daemon is killed with SIGKILL at random moments while a sender keeps
sending 1,000 instances and finished patients burn, and is started again each time.
Afterwards every instance that got status 0000 is on a verified disc, and no instance is
on two discs of one disc set."""

import copy
import random
import threading
import time
from pathlib import Path

import pydicom
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from pynetdicom import AE
from pynetdicom.sop_class import CTImageStorage

from conftest import extract_disc, sample_file

PATIENTS = 5
INSTANCES_PER_PATIENT = 200
SEED = 20261204


def make_patient(number: int) -> list[pydicom.Dataset]:
    """Makes the instances of one patient from CT_small.dcm, in two studies."""
    template = pydicom.dcmread(sample_file("CT_small.dcm"))
    studies = [generate_uid(), generate_uid()]
    series = [generate_uid(), generate_uid()]
    datasets = []
    for index in range(INSTANCES_PER_PATIENT):
        # A deep copy: Dataset.copy() shares the data elements, so setting a value on one
        # copy would change every copy.
        dataset = copy.deepcopy(template)
        dataset.PatientName = f"CRASH^P{number}"
        dataset.PatientID = f"CRASH-{number}"
        dataset.StudyInstanceUID = studies[index % 2]
        dataset.SeriesInstanceUID = series[index % 2]
        dataset.InstanceNumber = index + 1
        dataset.SOPInstanceUID = generate_uid()
        dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
        datasets.append(dataset)
    return datasets


class Sender:
    """Sends data sets until each got status 0000, over new associations after any
    failure, as a modality that retries. Records each acknowledged SOP Instance UID."""

    def __init__(self, port: int):
        self.port = port
        self.acknowledged: set[str] = set()
        self.failed_associations = 0

    def send_all(self, datasets: list[pydicom.Dataset], deadline: float) -> None:
        pending = list(datasets)
        while pending and time.monotonic() < deadline:
            ae = AE(ae_title="PYNETDICOM")
            ae.acse_timeout = 5
            ae.dimse_timeout = 10
            ae.network_timeout = 10
            ae.add_requested_context(CTImageStorage, ExplicitVRLittleEndian)
            association = ae.associate("127.0.0.1", self.port, ae_title="CDP_PRINTER")
            if not association.is_established:
                self.failed_associations += 1
                time.sleep(0.2)
                continue
            still_pending = []
            for dataset in pending:
                if not association.is_established:
                    still_pending.append(dataset)
                    continue
                status = association.send_c_store(dataset)
                if status and status.Status == 0x0000:
                    self.acknowledged.add(dataset.SOPInstanceUID)
                else:
                    still_pending.append(dataset)
            if association.is_established:
                association.release()
            else:
                self.failed_associations += 1
            pending = still_pending


class Killer(threading.Thread):
    """Kills the daemon with SIGKILL after random pauses and starts it again, at most
    `limit` times or until stopped."""

    def __init__(self, daemon, generator: random.Random, limit: int):
        super().__init__(name="killer")
        self.daemon_under_test = daemon
        self.generator = generator
        self.limit = limit
        self.stop_requested = threading.Event()
        self.kills = 0
        self.errors: list[BaseException] = []

    def run(self) -> None:
        try:
            while self.kills < self.limit \
                    and not self.stop_requested.wait(self.generator.uniform(0.5, 2.5)):
                self.daemon_under_test.process.kill()
                self.daemon_under_test.process.wait()
                self.kills += 1
                self.daemon_under_test.start()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.errors.append(error)


def final_disc_set(job: dict) -> list[dict]:
    """Returns the discs of a job's last disc set: for each position of the set, the last
    verified disc recorded there."""
    count = job["discs"][-1]["count"]
    latest: dict[int, dict] = {}
    for disc in job["discs"]:
        if disc["verified"] and disc["count"] == count:
            latest[disc["number"]] = disc
    assert sorted(latest) == list(range(1, count + 1)), job
    return [latest[number] for number in sorted(latest)]


class TestCrashRecovery:
    def test_sigkill_during_receive_and_burn_loses_nothing(self, make_daemon, tmp_path):
        generator = random.Random(SEED)
        daemon = make_daemon("--completion-timeout", "1", "--virtual-disc-capacity", "3",
                             "--virtual-drives", "2")
        patients = [make_patient(number) for number in range(1, PATIENTS + 1)]
        sender = Sender(daemon.port)
        killer = Killer(daemon, generator, limit=12)
        deadline = time.monotonic() + 400

        killer.start()
        try:
            for datasets in patients:
                sender.send_all(datasets, deadline)
                # A pause longer than the completion timeout lets the patient's job start
                # while the killer goes on.
                time.sleep(1.5)
        finally:
            killer.stop_requested.set()
            killer.join(timeout=60)
        assert not killer.errors, f"restart failed (seed {SEED}): {killer.errors}"
        if daemon.process.poll() is not None:
            daemon.start()

        sent = {dataset.SOPInstanceUID for datasets in patients for dataset in datasets}
        assert len(sent) == PATIENTS * INSTANCES_PER_PATIENT
        assert sender.acknowledged == sent, f"seed {SEED}: not every instance was stored"
        assert killer.kills >= 3, f"seed {SEED}: only {killer.kills} kills"

        daemon.ctl("burn", "--all")
        jobs = daemon.wait_for_jobs(
            lambda jobs: jobs and all(job["state"] in ("done", "failed") for job in jobs),
            timeout=300)
        assert [job for job in jobs if job["state"] != "done"] == [], f"seed {SEED}"

        on_discs: set[str] = set()
        for job in jobs:
            in_set: list[str] = []
            for disc in final_disc_set(job):
                root = extract_disc(Path(disc["path"]),
                                    tmp_path / f"job{job['id']}-disc{disc['number']}")
                in_set += [pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID
                           for path in (root / "DICOM").rglob("*") if path.is_file()]
            assert len(in_set) == len(set(in_set)), f"seed {SEED}: job {job['id']}"
            on_discs |= set(in_set)
        missing = sender.acknowledged - on_discs
        assert not missing, f"seed {SEED}: {len(missing)} acknowledged instances on no disc"
