"""End to end: the application profile of a disc follows the virtual drive's media type and
media_profile, and a rewritable disc that contains data is erased or rejected as
blank_rewritable sets."""

import subprocess
from pathlib import Path

import pydicom

from conftest import binary_folder, extract_disc, sample_file

US_JPEG_LOSSLESS = "JPGLosslessP14SV1_1s_1f_8b.dcm"
JPEG_LOSSLESS = "1.2.840.10008.1.2.4.70"


def tool_errors(command: list[str]) -> list[str]:
    """Runs a dicom3tools validator and returns its error lines."""
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    lines = (result.stdout + result.stderr).splitlines()
    return [line for line in lines if line.startswith("Error")]


def burn_one(daemon, tmp_path: Path, name: str = US_JPEG_LOSSLESS) -> tuple[dict, Path]:
    """Sends one sample file, burns it, and returns the job and the extracted disc."""
    daemon.storescu(sample_file(name))
    daemon.ctl("burn", "--all")
    job = daemon.wait_for_jobs(lambda jobs: jobs[0]["state"] in ("done", "failed"))[0]
    assert job["state"] == "done", job
    assert len(job["discs"]) == 1, job
    root = extract_disc(Path(job["discs"][0]["path"]), tmp_path / "disc")
    return job, root


def media_file(root: Path) -> Path:
    files = [path for path in (root / "DICOM").rglob("*") if path.is_file()]
    assert len(files) == 1, files
    return files[0]


class TestProfiles:
    def test_dvd_keeps_jpeg_lossless(self, make_daemon, tmp_path):
        daemon = make_daemon("--completion-timeout", "600", "--virtual-media", "dvd-r")
        job, root = burn_one(daemon, tmp_path)
        assert job["discs"][0]["profile"] == "STD-GEN-DVD-JPEG"

        path = media_file(root)
        copy = pydicom.dcmread(path)
        assert copy.file_meta.TransferSyntaxUID == JPEG_LOSSLESS
        original = pydicom.dcmread(sample_file(US_JPEG_LOSSLESS))
        assert copy.PixelData == original.PixelData
        assert (copy.pixel_array == original.pixel_array).all()

        dicomdir = pydicom.dcmread(root / "DICOMDIR")
        images = [record for record in dicomdir.DirectoryRecordSequence
                  if record.DirectoryRecordType == "IMAGE"]
        assert [record.ReferencedTransferSyntaxUIDInFile for record in images] \
            == [JPEG_LOSSLESS]
        # STD-GEN-DVD-JPEG puts Rows and Columns into each IMAGE record.
        assert images[0].Rows == original.Rows
        assert images[0].Columns == original.Columns
        assert "STD-GEN-DVD-JPEG" in (root / "README.TXT").read_text()

        assert tool_errors(["/usr/bin/dciodvfy", str(root / "DICOMDIR")]) == []
        assert tool_errors(["/usr/bin/dcentvfy", str(path)]) == []

    def test_bd_keeps_jpeg_lossless(self, make_daemon, tmp_path):
        daemon = make_daemon("--completion-timeout", "600", "--virtual-media", "bd-r")
        _, root = burn_one(daemon, tmp_path)

        copy = pydicom.dcmread(media_file(root))
        assert copy.file_meta.TransferSyntaxUID == JPEG_LOSSLESS
        assert "STD-GEN-BD-JPEG" in (root / "README.TXT").read_text()
        assert tool_errors(["/usr/bin/dciodvfy", str(root / "DICOMDIR")]) == []

    def test_cd_decompresses_jpeg_lossless(self, make_daemon, tmp_path):
        daemon = make_daemon("--completion-timeout", "600")
        job, root = burn_one(daemon, tmp_path)
        assert job["discs"][0]["profile"] == "STD-GEN-CD"

        copy = pydicom.dcmread(media_file(root))
        assert copy.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
        original = pydicom.dcmread(sample_file(US_JPEG_LOSSLESS))
        assert (copy.pixel_array == original.pixel_array).all()
        assert "STD-GEN-CD" in (root / "README.TXT").read_text()
        assert tool_errors(["/usr/bin/dciodvfy", str(root / "DICOMDIR")]) == []

    def test_forced_cd_profile_on_dvd_decompresses(self, make_daemon, tmp_path):
        daemon = make_daemon("--completion-timeout", "600", "--virtual-media", "dvd+r",
                             "--media-profile", "STD-GEN-CD")
        job, root = burn_one(daemon, tmp_path)
        assert job["discs"][0]["profile"] == "STD-GEN-CD"

        copy = pydicom.dcmread(media_file(root))
        assert copy.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
        assert "STD-GEN-CD" in (root / "README.TXT").read_text()
        assert tool_errors(["/usr/bin/dciodvfy", str(root / "DICOMDIR")]) == []

    def test_capacity_default_follows_media(self):
        executable = str(binary_folder() / "mediacenterd")
        for media, capacity in [("cd-r", "700"), ("dvd-r", "4482"), ("bd-re", "23866")]:
            printed = subprocess.run(
                [executable, "--config", "/dev/null", "--virtual-media", media,
                 "--print-config"], capture_output=True, text=True, timeout=30, check=True)
            assert f"virtual_disc_capacity = {capacity}\n" in printed.stdout, media


    def test_console_shows_disc_profile(self, make_daemon, tmp_path):
        daemon = make_daemon("--completion-timeout", "600", "--virtual-media", "bd-re")
        burn_one(daemon, tmp_path)

        listing = daemon.ctl("jobs").stdout
        assert "(verified, STD-GEN-BD-JPEG)" in listing, listing


class TestRewritable:
    def test_written_rewritable_disc_is_erased(self, make_daemon, tmp_path):
        daemon = make_daemon("--completion-timeout", "600", "--blank-rewritable", "on",
                             "--simulated-supply", "rewritable-written")
        job, root = burn_one(daemon, tmp_path, "CT_small.dcm")

        assert job["rejects"] == []
        # The first disc of the supply was the rewritable one, erased and written again.
        assert Path(job["discs"][0]["path"]).name == "DISC0001.iso"
        assert media_file(root).is_file()
        assert any("erasing a CD-RW" in line for line in daemon.log_lines("erasing"))

    def test_written_rewritable_disc_is_rejected_when_off(self, make_daemon, tmp_path):
        daemon = make_daemon("--completion-timeout", "600",
                             "--simulated-supply", "rewritable-written")
        job, _ = burn_one(daemon, tmp_path, "CT_small.dcm")

        reasons = [reject["reason"] for reject in job["rejects"]]
        assert len(reasons) == 1, reasons
        assert "CD-RW contains data" in reasons[0]
        assert "blank_rewritable" in reasons[0]
        assert Path(job["discs"][0]["path"]).name == "DISC0002.iso"
