"""End to end: with several virtual drives, patients burn side by side, and each patient's
disc set is written by one drive, with discs that dicom3tools accept."""

import json
import subprocess
from pathlib import Path

import pydicom

from conftest import binary_folder, extract_disc, free_port, sample_file

PATIENTS = 3
SLICES = 20
SIDE = 256


def patient_slices(folder: Path, patient: int) -> list[Path]:
    """Writes two series of 256 x 256 CT slices (about 135 KB each) of one patient."""
    template = pydicom.dcmread(sample_file("CT_small.dcm"))
    study_uid = pydicom.uid.generate_uid()
    series_uids = [pydicom.uid.generate_uid(), pydicom.uid.generate_uid()]
    paths = []
    for number in range(1, SLICES + 1):
        dataset = template.copy()
        dataset.PatientName = f"DRIVES^P{patient}"
        dataset.PatientID = f"DRIVES-{patient}"
        dataset.StudyInstanceUID = study_uid
        dataset.SeriesInstanceUID = series_uids[number % 2]
        dataset.SeriesNumber = number % 2 + 1
        dataset.InstanceNumber = number
        dataset.SOPInstanceUID = pydicom.uid.generate_uid()
        dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
        dataset.Rows = SIDE
        dataset.Columns = SIDE
        dataset.PixelData = bytes((index + number) % 251 for index in range(SIDE * SIDE * 2))
        path = folder / f"p{patient}-{number:02}.dcm"
        dataset.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def tool_errors(command: list[str]) -> list[str]:
    """Runs a dicom3tools validator and returns its error lines."""
    result = subprocess.run(command, capture_output=True, text=True)
    return [line for line in (result.stdout + result.stderr).splitlines()
            if line.startswith("Error")]


class TestDrives:
    def test_patients_burn_on_several_drives(self, make_daemon, tmp_path):
        daemon = make_daemon("--completion-timeout", "600", "--virtual-drives", "3",
                             "--virtual-disc-capacity", "2",
                             "--simulated-supply", "written,blank,verify-error")
        sources = tmp_path / "sources"
        sources.mkdir()
        for patient in range(1, PATIENTS + 1):
            daemon.storescu(*patient_slices(sources, patient))

        daemon.ctl("burn", "--all")
        jobs = daemon.wait_for_jobs(
            lambda jobs: len(jobs) == PATIENTS
            and all(job["state"] in ("done", "failed") for job in jobs))

        assert [job["state"] for job in jobs] == ["done"] * PATIENTS, jobs
        folders = set()
        for job in jobs:
            assert [disc["number"] for disc in job["discs"]] == [1, 2], job
            assert all(disc["verified"] for disc in job["discs"])
            job_folders = {Path(disc["path"]).parent for disc in job["discs"]}
            assert len(job_folders) == 1, job
            folders |= job_folders
        assert len(folders) >= 2
        assert all(folder.parent == daemon.data_dir / "discs" for folder in folders)
        rejects = [reject for job in jobs for reject in job["rejects"]]
        assert len(rejects) == 2

    def test_discs_of_parallel_jobs_are_valid(self, make_daemon, tmp_path):
        daemon = make_daemon("--completion-timeout", "600", "--virtual-drives", "2")
        sources = tmp_path / "sources"
        sources.mkdir()
        sent = {}
        for patient in range(1, PATIENTS + 1):
            for path in patient_slices(sources, patient):
                sent[pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID] = patient
        daemon.storescu(*sorted(sources.iterdir()))

        daemon.ctl("burn", "--all")
        jobs = daemon.wait_for_jobs(
            lambda jobs: len(jobs) == PATIENTS
            and all(job["state"] in ("done", "failed") for job in jobs))

        found = []
        for job in jobs:
            assert job["state"] == "done", job
            root = extract_disc(Path(job["discs"][0]["path"]), tmp_path / f"disc{job['id']}")
            media = sorted(path for path in (root / "DICOM").rglob("*") if path.is_file())
            assert tool_errors(["/usr/bin/dciodvfy", str(root / "DICOMDIR")]) == []
            assert tool_errors(["/usr/bin/dcentvfy", *map(str, media)]) == []
            datasets = [pydicom.dcmread(path, stop_before_pixels=True) for path in media]
            assert len({dataset.PatientID for dataset in datasets}) == 1
            found += [dataset.SOPInstanceUID for dataset in datasets]
        assert sorted(found) == sorted(sent)

    def test_manual_changer_burns_on_loaded_drive(self, make_daemon, tmp_path):
        # A virtual drive always contains a blank disc, so the operator's load is immediate.
        daemon = make_daemon("--completion-timeout", "600", "--changer", "manual",
                             "--virtual-drives", "1")
        sources = tmp_path / "sources"
        sources.mkdir()
        daemon.storescu(*patient_slices(sources, 1)[:2])

        daemon.ctl("burn", "--all")
        job = daemon.wait_for_jobs(lambda jobs: jobs[0]["state"] in ("done", "failed"))[0]

        assert job["state"] == "done", job
        assert job["discs"][0]["verified"] is True

    def test_unknown_changer_kind_exits_2(self, tmp_path):
        binary = binary_folder() / "mediacenterd"
        result = subprocess.run(
            [str(binary), "--config", "/dev/null", "--data-dir", str(tmp_path / "data"),
             "--bind-address", "127.0.0.1", "--port", str(free_port()), "--changer", "robot"],
            capture_output=True, text=True, timeout=30)

        assert result.returncode == 2
        assert "robot" in result.stderr
        assert "simulated or manual" in result.stderr

    def test_optical_drives_without_any_drive(self, make_daemon, tmp_path):
        # This machine has no optical drive, so udev reports none and jobs wait.
        daemon = make_daemon("--completion-timeout", "600", "--drives", "optical",
                             "--changer", "manual")
        sources = tmp_path / "sources"
        sources.mkdir()
        daemon.storescu(patient_slices(sources, 1)[0])

        daemon.ctl("burn", "--all")
        jobs = daemon.jobs()
        panel = json.loads(daemon.ctl("panel", "--json").stdout)

        assert [job["state"] for job in jobs] == ["queued"]
        assert "no optical drive found" in daemon.log()
        assert panel["leds"]["error"] in ("on", "blinking"), panel

    def test_idle_patient_is_queued_without_any_drive(self, make_daemon, tmp_path):
        daemon = make_daemon("--completion-timeout", "1", "--drives", "optical",
                             "--changer", "manual")
        sources = tmp_path / "sources"
        sources.mkdir()
        daemon.storescu(patient_slices(sources, 1)[0])

        jobs = daemon.wait_for_jobs(lambda jobs: jobs and jobs[0]["state"] == "queued",
                                    timeout=20)

        assert jobs[0]["state"] == "queued"

    def test_simulated_changer_needs_virtual_drives(self, tmp_path):
        result = subprocess.run(
            [str(binary_folder() / "mediacenterd"), "--config", "/dev/null",
             "--data-dir", str(tmp_path / "data"), "--bind-address", "127.0.0.1",
             "--port", str(free_port()), "--drives", "optical"],
            capture_output=True, text=True, timeout=30)

        assert result.returncode == 2
        assert "changer = simulated works only with drives = virtual" in result.stderr

    def test_scsi_changer_needs_its_elements(self, tmp_path):
        result = subprocess.run(
            [str(binary_folder() / "mediacenterd"), "--config", "/dev/null",
             "--data-dir", str(tmp_path / "data"), "--bind-address", "127.0.0.1",
             "--port", str(free_port()), "--drives", "optical", "--changer", "scsi",
             "--scsi-changer-input", "slot:1-10"],
            capture_output=True, text=True, timeout=30)

        assert result.returncode == 2
        assert "changer = scsi needs scsi_changer_output" in result.stderr
        assert "changer = scsi needs scsi_changer_drives" in result.stderr
        assert "scsi_changer_input" not in result.stderr

    def test_scsi_changer_missing_device_is_named(self, tmp_path):
        result = subprocess.run(
            [str(binary_folder() / "mediacenterd"), "--config", "/dev/null",
             "--data-dir", str(tmp_path / "data"), "--bind-address", "127.0.0.1",
             "--port", str(free_port()), "--drives", "optical", "--changer", "scsi",
             "--scsi-changer-device", "/dev/sg-absent", "--scsi-changer-input", "slot:1-10",
             "--scsi-changer-output", "mail:11", "--scsi-changer-reject", "slot:12",
             "--scsi-changer-drives", "/dev/sr0=0x100"],
            capture_output=True, text=True, timeout=30)

        assert result.returncode == 1
        assert "/dev/sg-absent" in result.stderr
