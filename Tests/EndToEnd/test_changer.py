"""End to end: the simulated changer's bad discs are rejected with their reasons, and the job
goes on with the next blank until every disc of the set is written and verified."""

from pathlib import Path

import pydicom

from conftest import extract_disc, sample_file


def send_ct(daemon, folder: Path) -> str:
    """Sends a copy of CT_small.dcm with a new SOP Instance UID and returns that UID."""
    dataset = pydicom.dcmread(sample_file("CT_small.dcm"))
    dataset.SOPInstanceUID = pydicom.uid.generate_uid()
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    path = folder / "ct.dcm"
    dataset.save_as(path, enforce_file_format=True)
    daemon.storescu(path)
    return dataset.SOPInstanceUID


class TestChanger:
    def test_bad_discs_are_rejected_with_reasons(self, make_daemon, tmp_path):
        daemon = make_daemon("--completion-timeout", "600",
                             "--simulated-supply", "written,write-error,verify-error")
        uid = send_ct(daemon, tmp_path)

        daemon.ctl("burn", "--all")
        job = daemon.wait_for_jobs(
            lambda jobs: jobs[0]["state"] in ("done", "failed"))[0]

        assert job["state"] == "done", job
        reasons = [reject["reason"] for reject in job["rejects"]]
        assert len(reasons) == 3, reasons
        assert "not blank" in reasons[0]
        assert "write failed" in reasons[1]
        assert "read-back differs" in reasons[2]
        assert all(reject["number"] == 1 for reject in job["rejects"])
        assert all(reject["at"] for reject in job["rejects"])

        assert len(job["discs"]) == 1
        disc = job["discs"][0]
        assert disc["verified"]
        root = extract_disc(Path(disc["path"]), tmp_path / "disc")
        copy = pydicom.dcmread(next((root / "DICOM").rglob("IM*")))
        assert copy.SOPInstanceUID == uid

    def test_rejected_discs_get_reject_labels(self, make_daemon, tmp_path):
        daemon = make_daemon("--completion-timeout", "600",
                             "--simulated-supply", "written,verify-error")
        send_ct(daemon, tmp_path)

        daemon.ctl("burn", "--all")
        job = daemon.wait_for_jobs(
            lambda jobs: jobs[0]["state"] in ("done", "failed"))[0]

        assert job["state"] == "done", job
        labels = sorted((daemon.data_dir / "discs").rglob("*.label.txt"))
        texts = [label.read_text() for label in labels]
        assert [text.splitlines()[0] for text in texts].count("REJECT") == 2
        good = Path(job["discs"][0]["path"] + ".label.txt").read_text()
        assert "Disc 1 of 1" in good
        assert not good.startswith("REJECT")

    def test_consecutive_rejects_stop_the_job(self, make_daemon, tmp_path):
        daemon = make_daemon("--completion-timeout", "600", "--max-consecutive-rejects", "2",
                             "--simulated-supply", "written,write-error,verify-error,blank")
        send_ct(daemon, tmp_path)

        daemon.ctl("burn", "--all")
        job = daemon.wait_for_jobs(
            lambda jobs: jobs[0]["state"] in ("done", "failed"))[0]

        assert job["state"] == "failed"
        assert "3 discs in a row were rejected" in job["error"]
        assert len(job["rejects"]) == 3
        assert job["discs"] == []

    def test_spanned_set_survives_rejects(self, make_daemon, tmp_path):
        daemon = make_daemon("--completion-timeout", "600", "--virtual-disc-capacity", "1",
                             "--simulated-supply", "blank,write-error,verify-error")
        # Three 400 KB slices of one series: two fit on a 1 MiB disc, the third goes to
        # a second disc.
        folder = tmp_path / "sources"
        folder.mkdir()
        template = pydicom.dcmread(sample_file("CT_small.dcm"))
        series_uid = pydicom.uid.generate_uid()
        paths = []
        for number in range(1, 4):
            dataset = template.copy()
            dataset.SeriesInstanceUID = series_uid
            dataset.InstanceNumber = number
            dataset.SOPInstanceUID = pydicom.uid.generate_uid()
            dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
            dataset.Rows = 448
            dataset.Columns = 448
            dataset.PixelData = bytes(448 * 448 * 2)
            path = folder / f"{number}.dcm"
            dataset.save_as(path, enforce_file_format=True)
            paths.append(path)
        daemon.storescu(*paths)

        daemon.ctl("burn", "--all")
        job = daemon.wait_for_jobs(
            lambda jobs: jobs[0]["state"] in ("done", "failed"))[0]

        assert job["state"] == "done", job
        assert [disc["number"] for disc in job["discs"]] == [1, 2]
        assert all(disc["verified"] for disc in job["discs"])
        assert [reject["number"] for reject in job["rejects"]] == [2, 2]
