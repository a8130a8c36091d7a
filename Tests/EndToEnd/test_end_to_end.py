"""End to end: real DICOM peers on 127.0.0.1 send real files to the real daemon, which burns
each patient to a virtual disc. The disc images are extracted and checked with dicom3tools
and pydicom."""

import os
import subprocess
import time
from io import BytesIO
from pathlib import Path

import numpy
import pydicom
import pytest
from pynetdicom import AE
from pynetdicom.dimse_messages import C_STORE_RQ
from pynetdicom.dimse_primitives import C_STORE
from pynetdicom.dsutils import encode
from pynetdicom.sop_class import CTImageStorage, Verification

from conftest import Daemon, extract_disc, sample_file

# Real files that cover CT, MR, multi-frame ultrasound, Implicit and Explicit VR, JPEG
# Lossless and RLE, and patients with and without a Patient ID.
STORESCU_FILES = [
    "CT_small.dcm",                    # CT, Explicit VR LE, patient 1CT1
    "MR_small_implicit.dcm",           # MR, Implicit VR LE, patient 4MR1
    "JPGLosslessP14SV1_1s_1f_8b.dcm",  # US, JPEG Lossless SV1, no Patient ID
    "emri_small_RLE.dcm",              # Enhanced MR, 10 frames, RLE, no name and no ID
    "OBXXXX1A_rle_2frame.dcm",         # US multi-frame, RLE
]
PYNETDICOM_FILES = ["rtplan.dcm"]      # RT Plan, Implicit VR LE, patient id00001


def send_with_pynetdicom(port: int, *names: str) -> list[int]:
    """Sends files with pynetdicom and returns the status of each C-STORE."""
    ae = AE(ae_title="PYNETDICOM")
    datasets = [pydicom.dcmread(sample_file(name)) for name in names]
    for dataset in datasets:
        ae.add_requested_context(
            dataset.SOPClassUID, [dataset.file_meta.TransferSyntaxUID])
    association = ae.associate("127.0.0.1", port, ae_title="CDP_PRINTER")
    assert association.is_established
    statuses = [association.send_c_store(dataset).Status for dataset in datasets]
    association.release()
    return statuses


def dicom_files(root: Path) -> list[Path]:
    return sorted(path for path in (root / "DICOM").rglob("*") if path.is_file())


def tool_errors(command: list[str]) -> list[str]:
    """Runs a dicom3tools validator and returns its error lines."""
    result = subprocess.run(command, capture_output=True, text=True)
    lines = (result.stdout + result.stderr).splitlines()
    return [line for line in lines if line.startswith("Error")]


def pixels(dataset: pydicom.Dataset) -> numpy.ndarray:
    return dataset.pixel_array


@pytest.fixture
def burned(daemon: Daemon, tmp_path):
    """Sends every test file, burns all patients, and returns the finished jobs."""
    daemon.storescu(*[sample_file(name) for name in STORESCU_FILES])
    assert send_with_pynetdicom(daemon.port, *PYNETDICOM_FILES) == [0]

    receiving = daemon.jobs()
    assert len(receiving) == 6
    assert all(job["state"] == "receiving" for job in receiving)

    daemon.ctl("burn", "--all")
    jobs = daemon.wait_for_jobs(
        lambda jobs: all(job["state"] in ("done", "failed") for job in jobs))
    return jobs


class TestBurnEndToEnd:
    def test_every_patient_gets_one_verified_disc(self, burned):
        for job in burned:
            assert job["state"] == "done", job
            assert len(job["discs"]) == 1, job
            assert job["discs"][0]["verified"] is True
            assert Path(job["discs"][0]["path"]).is_file()

    def test_patients_are_grouped_by_name_and_id(self, burned):
        by_id = {job["patientID"]: job for job in burned}
        assert by_id["1CT1"]["instances"] == 1
        assert by_id["4MR1"]["instances"] == 1
        assert by_id["id00001"]["instances"] == 1
        generated = [job for job in burned if job["patientIDGenerated"]]
        assert len(generated) == 2
        for job in generated:
            assert job["patientID"] != ""

    def test_discs_pass_dicom3tools_and_keep_every_instance(self, burned, tmp_path):
        sent = {
            pydicom.dcmread(sample_file(name), stop_before_pixels=True).SOPInstanceUID: name
            for name in STORESCU_FILES + PYNETDICOM_FILES
        }
        found: list[str] = []

        for job in burned:
            root = extract_disc(Path(job["discs"][0]["path"]), tmp_path / f"disc{job['id']}")
            assert (root / "DICOMDIR").is_file()
            assert (root / "README.TXT").is_file()

            assert tool_errors(["dciodvfy", str(root / "DICOMDIR")]) == []
            files = dicom_files(root)
            assert tool_errors(["dcentvfy", *map(str, files)]) == []

            for path in files:
                copy = pydicom.dcmread(path)
                assert copy.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
                found.append(copy.SOPInstanceUID)

        assert sorted(found) == sorted(sent)

    def test_media_files_add_no_iod_errors(self, burned, tmp_path):
        # Several of pydicom's test files break their IOD already, and the disc keeps every
        # element as received, so each disc file may show only the errors of its original.
        originals = {
            pydicom.dcmread(sample_file(name), stop_before_pixels=True).SOPInstanceUID:
                sample_file(name)
            for name in STORESCU_FILES + PYNETDICOM_FILES
        }
        checked = 0
        for job in burned:
            root = extract_disc(Path(job["discs"][0]["path"]), tmp_path / f"iod{job['id']}")
            for path in dicom_files(root):
                uid = pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID
                before = set(tool_errors(["dciodvfy", str(originals[uid])]))
                after = set(tool_errors(["dciodvfy", str(path)]))
                assert after <= before, (path, after - before)
                checked += 1
        assert checked == len(originals)

    def test_pixel_data_equals_the_original(self, burned, tmp_path):
        originals = {}
        for name in STORESCU_FILES:
            dataset = pydicom.dcmread(sample_file(name))
            originals[dataset.SOPInstanceUID] = dataset

        compared = 0
        for job in burned:
            root = extract_disc(Path(job["discs"][0]["path"]), tmp_path / f"px{job['id']}")
            for path in dicom_files(root):
                copy = pydicom.dcmread(path)
                original = originals.get(copy.SOPInstanceUID)
                if original is None:
                    continue
                assert numpy.array_equal(pixels(copy), pixels(original)), path
                compared += 1
        assert compared == len(STORESCU_FILES)

    def test_disc_paths_hold_no_attribute_values(self, burned, tmp_path):
        for job in burned:
            root = extract_disc(Path(job["discs"][0]["path"]), tmp_path / f"names{job['id']}")
            for path in root.rglob("*"):
                name = path.name
                stem, _, extension = name.partition(".")
                assert len(stem) <= 8, path
                assert len(extension) <= 3, path
                assert name == name.upper(), path
                assert job["patientID"] not in str(path.relative_to(root)) or not job["patientID"]


class TestLargeInstance:
    def test_instance_above_parse_limit_is_burned_intact(self, daemon, tmp_path):
        # 7 MB, above the 1 MiB that the daemon parses while it receives, so the daemon
        # reads this instance's keys from its file instead.
        original = pydicom.dcmread(sample_file("RG1_UNCR.dcm"))
        daemon.storescu(sample_file("RG1_UNCR.dcm"), sample_file("CT_small.dcm"))

        jobs = daemon.jobs()
        assert sorted(job["patientID"] for job in jobs) == ["1CT1", "9RG1"]
        assert daemon.spool_leftovers() == []

        daemon.ctl("burn", "--patient-id", "9RG1")
        jobs = daemon.wait_for_jobs(
            lambda jobs: any(j["patientID"] == "9RG1" and j["state"] == "done" for j in jobs))
        job = next(job for job in jobs if job["patientID"] == "9RG1")
        assert job["instances"] == 1
        root = extract_disc(Path(job["discs"][0]["path"]), tmp_path / "large")
        files = dicom_files(root)
        assert len(files) == 1
        copy = pydicom.dcmread(files[0])
        assert copy.SOPInstanceUID == original.SOPInstanceUID
        assert numpy.array_equal(pixels(copy), pixels(original))


class TestCollections:
    def test_burn_by_patient_id_leaves_others_receiving(self, daemon):
        daemon.storescu(sample_file("CT_small.dcm"), sample_file("MR_small_implicit.dcm"))

        daemon.ctl("burn", "--patient-id", "1CT1")
        jobs = daemon.wait_for_jobs(
            lambda jobs: any(j["patientID"] == "1CT1" and j["state"] == "done" for j in jobs))

        other = [job for job in jobs if job["patientID"] == "4MR1"]
        assert [job["state"] for job in other] == ["receiving"]

    def test_unknown_patient_id_is_an_error(self, daemon):
        result = daemon.ctl("burn", "--patient-id", "NOBODY", check=False)

        assert result.returncode == 1
        assert "NOBODY" in result.stderr

    def test_completion_timeout_finishes_patient(self, make_daemon):
        daemon = make_daemon("--completion-timeout", "1")
        daemon.storescu(sample_file("CT_small.dcm"))

        jobs = daemon.wait_for_jobs(lambda jobs: jobs and jobs[0]["state"] == "done", timeout=60)

        assert jobs[0]["discs"][0]["verified"] is True

    def test_instance_after_burn_opens_new_collection(self, daemon):
        daemon.storescu(sample_file("CT_small.dcm"))
        daemon.ctl("burn", "--all")
        daemon.wait_for_jobs(lambda jobs: jobs[0]["state"] == "done")

        daemon.storescu(sample_file("CT_small.dcm"))

        jobs = daemon.jobs()
        assert [job["state"] for job in jobs] == ["done", "receiving"]
        assert jobs[0]["instances"] == 1
        assert jobs[1]["instances"] == 1


class TestBadInput:
    def store_raw_bytes(self, port: int, payload: bytes) -> int:
        """Sends `payload` as the data set of a C-STORE and returns the response status."""
        ae = AE(ae_title="PYNETDICOM")
        ae.add_requested_context(CTImageStorage, ["1.2.840.10008.1.2.1"])
        association = ae.associate("127.0.0.1", port, ae_title="CDP_PRINTER")
        assert association.is_established
        request = C_STORE()
        request.MessageID = 1
        request.AffectedSOPClassUID = CTImageStorage
        request.AffectedSOPInstanceUID = "1.2.826.0.1.3680043.8.498.1"
        request.Priority = 2
        request.DataSet = BytesIO(payload)
        context = association.accepted_contexts[0]
        # pynetdicom's public send_c_store always encodes a valid data set, so the message
        # goes through its DIMSE layer directly, with the reactor paused as send_c_store does.
        association._reactor_checkpoint.clear()
        while not association._is_paused:
            time.sleep(0.0001)
        association.dimse.send_msg(request, context.context_id)
        _, response = association.dimse.get_msg(block=True)
        association._reactor_checkpoint.set()
        association.release()
        return response.Status

    def test_non_dicom_data_gets_c000(self, daemon):
        status = self.store_raw_bytes(daemon.port, b"this is a text file, not DICOM\n" * 40)

        assert status == 0xC000
        assert daemon.spool_leftovers() == []
        assert daemon.jobs() == []
        daemon.storescu(sample_file("CT_small.dcm"))
        assert len(daemon.jobs()) == 1

    def test_truncated_data_set_gets_c000(self, daemon):
        dataset = pydicom.dcmread(sample_file("CT_small.dcm"))
        encoded = encode(dataset, False, True)

        # PDV fragments have even lengths, so the cut is at an even offset.
        status = self.store_raw_bytes(daemon.port, encoded[: len(encoded) // 4 * 2])

        assert status == 0xC000
        assert daemon.spool_leftovers() == []
        assert daemon.jobs() == []

    def test_abort_mid_store_leaves_nothing(self, daemon):
        ae = AE(ae_title="PYNETDICOM")
        ae.add_requested_context(CTImageStorage, ["1.2.840.10008.1.2.1"])
        association = ae.associate("127.0.0.1", daemon.port, ae_title="CDP_PRINTER",
                                   max_pdu=4096)
        assert association.is_established
        dataset = pydicom.dcmread(sample_file("CT_small.dcm"))
        request = C_STORE()
        request.MessageID = 1
        request.AffectedSOPClassUID = dataset.SOPClassUID
        request.AffectedSOPInstanceUID = dataset.SOPInstanceUID
        request.Priority = 2
        request.DataSet = BytesIO(encode(dataset, False, True))
        message = C_STORE_RQ()
        message.primitive_to_message(request)
        context_id = association.accepted_contexts[0].context_id

        # Send the command and the first fragments of the data set, then abort.
        for index, pdata in enumerate(message.encode_msg(context_id, 4096)):
            if index == 4:
                break
            association.dul.send_pdu(pdata)
        time.sleep(0.5)
        association.abort()

        deadline = time.monotonic() + 10
        while daemon.spool_leftovers() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert daemon.spool_leftovers() == []
        assert daemon.jobs() == []
        daemon.storescu(sample_file("CT_small.dcm"))
        assert len(daemon.jobs()) == 1

    def test_echo_answers(self, daemon):
        ae = AE(ae_title="PYNETDICOM")
        ae.add_requested_context(Verification)
        association = ae.associate("127.0.0.1", daemon.port, ae_title="CDP_PRINTER")
        assert association.is_established
        assert association.send_c_echo().Status == 0
        association.release()


class TestCommandLine:
    def test_invalid_port_names_value_and_range(self, tmp_path):
        daemon = Daemon(tmp_path / "data", [])
        result = subprocess.run(
            [str(daemon.bin / "mediacenterd"), "--data-dir", str(tmp_path), "--port", "0"],
            capture_output=True, text=True, timeout=30)

        assert result.returncode == 2
        assert '--port "0"' in result.stderr
        assert "1 to 65535" in result.stderr

    def test_console_without_daemon_exits_3(self, tmp_path):
        daemon = Daemon(tmp_path / "data", [])
        result = subprocess.run(
            [str(daemon.bin / "mediacenterctl"), "--data-dir", str(tmp_path), "jobs"],
            capture_output=True, text=True, timeout=30)

        assert result.returncode == 3
        assert "mediacenterd" in result.stderr

    def test_jobs_text_fits_80_columns(self, daemon):
        daemon.storescu(sample_file("CT_small.dcm"))

        output = daemon.ctl("jobs").stdout

        assert "1CT1" in output
        assert all(len(line) <= 80 for line in output.splitlines())


class TestFullDisk:
    @pytest.fixture
    def small_data_dir(self, tmp_path):
        """A 4 MiB tmpfs as the data directory, so the spool fills up for real."""
        if os.geteuid() != 0:
            pytest.skip("mounting a small tmpfs needs root")
        mount_point = tmp_path / "small"
        mount_point.mkdir()
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)], check=True)
        yield mount_point
        subprocess.run(["umount", "-l", str(mount_point)], check=False)

    def test_full_spool_gives_a700_and_keeps_acknowledged(self, small_data_dir, tmp_path):
        daemon = Daemon(small_data_dir / "data", ["--completion-timeout", "600"])
        daemon.start()
        try:
            source = pydicom.dcmread(sample_file("US1_UNCR.dcm"))
            ae = AE(ae_title="PYNETDICOM")
            ae.add_requested_context(source.SOPClassUID, [source.file_meta.TransferSyntaxUID])
            association = ae.associate("127.0.0.1", daemon.port, ae_title="CDP_PRINTER")
            assert association.is_established
            statuses = []
            for _ in range(8):
                source.SOPInstanceUID = pydicom.uid.generate_uid()
                statuses.append(association.send_c_store(source).Status)
            association.release()

            assert 0xA700 in statuses
            assert statuses[0] == 0
            acknowledged = statuses.count(0)
            assert daemon.spool_leftovers() == []
            assert sum(job["instances"] for job in daemon.jobs()) == acknowledged
            assert "A700" in daemon.log()
        finally:
            assert daemon.stop() == 0


class TestRecovery:
    def test_lost_rows_are_recorded_again_from_spool(self, make_daemon):
        daemon = make_daemon("--completion-timeout", "600")
        daemon.storescu(sample_file("CT_small.dcm"), sample_file("MR_small_implicit.dcm"))
        assert daemon.stop() == 0

        # A power cut can take away instance rows committed without an fsync; the spool
        # files stay, because they are synced before the acknowledgement.
        database = daemon.data_dir / "mediacenter.db"
        subprocess.run(["sqlite3", str(database), "DELETE FROM instances"], check=True)

        daemon.start()
        jobs = daemon.jobs()

        assert sum(job["instances"] for job in jobs) == 2
        assert "recorded 2 spool files again" in daemon.log()

    def test_kill_during_receive_keeps_acknowledged(self, make_daemon):
        daemon = make_daemon("--completion-timeout", "600")
        daemon.storescu(sample_file("CT_small.dcm"))
        daemon.process.kill()
        daemon.process.wait()

        daemon.start()
        daemon.ctl("burn", "--all")
        jobs = daemon.wait_for_jobs(lambda jobs: jobs and jobs[-1]["state"] == "done")

        assert jobs[-1]["instances"] == 1
        assert jobs[-1]["discs"][0]["verified"] is True


def write_variant(source: str, folder: Path, **changes) -> Path:
    """Writes a copy of a real test file with new UIDs and the given attributes changed."""
    dataset = pydicom.dcmread(sample_file(source))
    dataset.SOPInstanceUID = pydicom.uid.generate_uid()
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    dataset.StudyInstanceUID = pydicom.uid.generate_uid()
    for keyword, value in changes.items():
        setattr(dataset, keyword, value)
    path = folder / f"{dataset.SOPInstanceUID}.dcm"
    dataset.save_as(path, enforce_file_format=True)
    return path


class TestPatientIDs:
    def test_utf8_patient_id_burns(self, daemon, tmp_path):
        path = write_variant(
            "CT_small.dcm", tmp_path, SpecificCharacterSet="ISO_IR 192", PatientID="MÜLLER-1")
        daemon.storescu(path)

        daemon.ctl("burn", "--patient-id", "MÜLLER-1")
        jobs = daemon.wait_for_jobs(lambda jobs: jobs[0]["state"] in ("done", "failed"))

        assert jobs[0]["state"] == "done", jobs[0]
        assert jobs[0]["patientID"] == "MÜLLER-1"

    def test_latin1_patient_id_is_decoded(self, daemon, tmp_path):
        path = write_variant(
            "CT_small.dcm", tmp_path, SpecificCharacterSet="ISO_IR 100", PatientID="ÅSE-2")
        daemon.storescu(path)

        assert daemon.jobs()[0]["patientID"] == "ÅSE-2"


class TestJobControl:
    def test_failed_job_is_queued_again_on_retry(self, make_daemon, tmp_path):
        daemon = make_daemon("--completion-timeout", "600", "--virtual-disc-capacity", "1")
        # A 2 MiB CT slice alone does not fit on a 1 MiB disc, so spanning cannot help.
        large = write_variant(
            "CT_small.dcm", tmp_path, Rows=1024, Columns=1024, PixelData=bytes(2 << 20))
        daemon.storescu(large)
        daemon.ctl("burn", "--all")
        jobs = daemon.wait_for_jobs(lambda jobs: all(j["state"] == "failed" for j in jobs))
        failed = jobs[0]
        assert "capacity of 1048576 bytes" in failed["error"]

        result = daemon.ctl("retry", str(failed["id"]))

        assert str(failed["id"]) in result.stdout
        daemon.wait_for_jobs(lambda jobs: jobs[0]["state"] == "failed")
        again = daemon.ctl("retry", "9999", check=False)
        assert again.returncode == 1
        assert "no job 9999" in again.stderr

    def test_second_daemon_on_same_data_dir_is_refused(self, daemon):
        second = subprocess.run(
            [str(daemon.bin / "mediacenterd"), "--data-dir", str(daemon.data_dir),
             "--bind-address", "127.0.0.1", "--port", str(daemon.port + 1)],
            capture_output=True, text=True, timeout=30)

        assert second.returncode == 1
        assert "another mediacenterd" in second.stderr
        assert daemon.ctl("jobs").returncode == 0


class TestConsole:
    def test_silent_client_does_not_block_console(self, daemon):
        import socket as sockets

        idle = sockets.socket(sockets.AF_UNIX)
        idle.connect(str(daemon.data_dir / "control.sock"))
        try:
            result = daemon.ctl("jobs", "--json")
        finally:
            idle.close()

        assert result.returncode == 0

    def test_control_characters_are_not_printed(self, daemon, tmp_path):
        path = write_variant(
            "CT_small.dcm", tmp_path, PatientName="Line1\nFAKE  done  1  1/1  X^Y\x1b[2J")
        daemon.storescu(path)

        output = daemon.ctl("jobs").stdout

        assert "\x1b" not in output
        assert not any(line.startswith("FAKE") for line in output.splitlines())
