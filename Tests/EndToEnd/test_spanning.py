"""End to end: a patient larger than one virtual disc is split over several discs, each a
complete file-set that dicom3tools accept."""

import subprocess
from pathlib import Path

import pydicom
import pytest

from conftest import extract_disc, sample_file

SERIES = 3
SLICES_PER_SERIES = 13
SIDE = 256


def ct_series(folder: Path, series: int, study_uid: str) -> list[Path]:
    """Writes one series of 256 x 256 CT slices (about 135 KB each) made from CT_small.dcm,
    all of patient SPAN^TEST in study `study_uid`."""
    template = pydicom.dcmread(sample_file("CT_small.dcm"))
    series_uid = pydicom.uid.generate_uid()
    paths = []
    for number in range(1, SLICES_PER_SERIES + 1):
        dataset = template.copy()
        dataset.PatientName = "SPAN^TEST"
        dataset.PatientID = "SPAN-1"
        dataset.StudyInstanceUID = study_uid
        dataset.SeriesInstanceUID = series_uid
        dataset.SeriesNumber = series
        dataset.InstanceNumber = number
        dataset.SOPInstanceUID = pydicom.uid.generate_uid()
        dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
        dataset.ImagePositionPatient = [0, 0, float(number)]
        dataset.Rows = SIDE
        dataset.Columns = SIDE
        dataset.PixelData = bytes((index * 7 + number) % 251 for index in range(SIDE * SIDE * 2))
        path = folder / f"s{series}-{number:02}.dcm"
        dataset.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def tool_errors(command: list[str]) -> list[str]:
    """Runs a dicom3tools validator and returns its error lines."""
    result = subprocess.run(command, capture_output=True, text=True)
    lines = (result.stdout + result.stderr).splitlines()
    return [line for line in lines if line.startswith("Error")]


@pytest.fixture
def spanned(make_daemon, tmp_path):
    """Sends about 5 MB of CT slices to a daemon with 2 MiB discs and burns them."""
    daemon = make_daemon("--completion-timeout", "600", "--virtual-disc-capacity", "2")
    sources = tmp_path / "sources"
    sources.mkdir()
    study_uid = pydicom.uid.generate_uid()
    files = [path for series in range(1, SERIES + 1)
             for path in ct_series(sources, series, study_uid)]
    daemon.storescu(*files)

    daemon.ctl("burn", "--all")
    jobs = daemon.wait_for_jobs(lambda jobs: jobs[0]["state"] in ("done", "failed"))
    return daemon, jobs[0], files


class TestSpanning:
    def test_patient_spans_three_verified_discs(self, spanned):
        _, job, _ = spanned

        assert job["state"] == "done", job
        assert [disc["number"] for disc in job["discs"]] == [1, 2, 3]
        assert all(disc["count"] == 3 for disc in job["discs"])
        assert all(disc["verified"] for disc in job["discs"])
        assert all(disc["bytes"] <= 2 * 1024 * 1024 for disc in job["discs"])

    def test_each_disc_is_a_valid_file_set(self, spanned, tmp_path):
        _, job, files = spanned
        sent = {pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID for path in files}
        found: list[str] = []

        for disc in job["discs"]:
            root = extract_disc(Path(disc["path"]), tmp_path / f"disc{disc['number']}")
            media = sorted(path for path in (root / "DICOM").rglob("*") if path.is_file())
            assert tool_errors(["/usr/bin/dciodvfy", str(root / "DICOMDIR")]) == []
            assert tool_errors(["/usr/bin/dcentvfy", *map(str, media)]) == []

            on_disc = [pydicom.dcmread(path, stop_before_pixels=True).SOPInstanceUID
                       for path in media]
            dicomdir = pydicom.dcmread(root / "DICOMDIR")
            records = dicomdir.DirectoryRecordSequence
            listed = [record.ReferencedSOPInstanceUIDInFile for record in records
                      if record.DirectoryRecordType == "IMAGE"]
            assert sorted(listed) == sorted(on_disc)
            series = [record for record in records if record.DirectoryRecordType == "SERIES"]
            assert len(series) == len({pydicom.dcmread(path, stop_before_pixels=True)
                                       .SeriesInstanceUID for path in media})
            found += on_disc

        assert sorted(found) == sorted(sent)
        assert len(found) == len(set(found))

    def test_series_stay_whole_and_in_order(self, spanned, tmp_path):
        _, job, _ = spanned

        for disc in job["discs"]:
            root = extract_disc(Path(disc["path"]), tmp_path / f"order{disc['number']}")
            media = sorted(path for path in (root / "DICOM").rglob("*") if path.is_file())
            datasets = [pydicom.dcmread(path, stop_before_pixels=True) for path in media]
            # Each series fits on one 2 MiB disc, so each disc contains one whole series.
            assert {dataset.SeriesNumber for dataset in datasets} == {disc["number"]}
            assert sorted(dataset.InstanceNumber for dataset in datasets) \
                == list(range(1, SLICES_PER_SERIES + 1))

    def test_readme_names_disc_and_count(self, spanned, tmp_path):
        _, job, _ = spanned

        for disc in job["discs"]:
            root = extract_disc(Path(disc["path"]), tmp_path / f"readme{disc['number']}")
            text = (root / "README.TXT").read_text(encoding="ascii")
            assert f"disc {disc['number']} of 3" in text


class TestRetryOfSpannedSet:
    def test_retry_keeps_the_verified_discs(self, make_daemon, tmp_path):
        # Disc 1 takes the first blank. Disc 2 meets two written discs, one more than the
        # reject limit allows, so the job fails with disc 1 verified.
        daemon = make_daemon("--completion-timeout", "600", "--virtual-disc-capacity", "2",
                             "--virtual-drives", "1", "--max-consecutive-rejects", "1",
                             "--simulated-supply", "blank,written,written")
        sources = tmp_path / "sources"
        sources.mkdir()
        study_uid = pydicom.uid.generate_uid()
        files = [path for series in (1, 2) for path in ct_series(sources, series, study_uid)]
        daemon.storescu(*files)

        daemon.ctl("burn", "--all")
        failed = daemon.wait_for_jobs(lambda jobs: jobs[0]["state"] in ("done", "failed"))[0]
        assert failed["state"] == "failed", failed
        assert [disc["number"] for disc in failed["discs"]] == [1]

        daemon.ctl("retry", str(failed["id"]))
        job = daemon.wait_for_jobs(lambda jobs: jobs[0]["state"] in ("done", "failed"))[0]

        assert job["state"] == "done", job
        assert [disc["number"] for disc in job["discs"]] == [1, 2]
        assert job["discs"][0]["path"] == failed["discs"][0]["path"]
        assert "verified by an earlier run" in daemon.log()
