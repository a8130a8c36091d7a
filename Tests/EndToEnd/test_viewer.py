"""End to end: a viewer folder configured with viewer_folder and viewer_autorun is copied to
every disc, and a folder whose names a disc cannot carry stops the daemon at start."""

import subprocess
from pathlib import Path

import pydicom
import pytest

from conftest import Daemon, extract_disc, free_port, sample_file
from test_spanning import ct_series, tool_errors

# The viewer's files, relative to its folder, with their content.
VIEWER_FILES = {
    "BIN/VIEWER.EXE": b"MZ not a real program",
    "DOCS/HELP/INDEX.HTM": b"<p>help</p>",
    "LICENSE": b"license text",
}


def make_viewer(folder: Path, files: dict[str, bytes]) -> Path:
    for relative, content in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return folder


def burn(daemon: Daemon) -> dict:
    daemon.ctl("burn", "--all")
    jobs = daemon.wait_for_jobs(lambda jobs: jobs[0]["state"] in ("done", "failed"))
    assert jobs[0]["state"] == "done", jobs
    return jobs[0]


def check_viewer_on_disc(root: Path) -> None:
    for relative, content in VIEWER_FILES.items():
        assert (root / "VIEWER" / relative).read_bytes() == content, relative
    autorun = (root / "AUTORUN.INF").read_bytes()
    assert autorun == b"[autorun]\r\nopen=VIEWER\\BIN\\VIEWER.EXE\r\n"
    in_dicom = [path for path in (root / "DICOM").rglob("*") if path.is_file()]
    assert all(path.name.startswith("IM") for path in in_dicom)
    assert tool_errors(["/usr/bin/dciodvfy", str(root / "DICOMDIR")]) == []


class TestViewer:
    def test_viewer_and_autorun_reach_disc(self, make_daemon, tmp_path):
        viewer = make_viewer(tmp_path / "viewer", VIEWER_FILES)
        daemon = make_daemon("--completion-timeout", "600", "--viewer-folder", str(viewer),
                             "--viewer-autorun", "BIN/VIEWER.EXE")
        daemon.storescu(sample_file("CT_small.dcm"))

        job = burn(daemon)

        root = extract_disc(Path(job["discs"][0]["path"]), tmp_path / "disc")
        check_viewer_on_disc(root)
        assert (root / "INDEX.HTM").is_file()
        dicomdir = pydicom.dcmread(root / "DICOMDIR")
        files = [record.ReferencedFileID for record in dicomdir.DirectoryRecordSequence
                 if "ReferencedFileID" in record]
        assert all(list(file_id)[0] == "DICOM" for file_id in files)

    def test_no_viewer_by_default(self, daemon, tmp_path):
        daemon.storescu(sample_file("CT_small.dcm"))

        job = burn(daemon)

        root = extract_disc(Path(job["discs"][0]["path"]), tmp_path / "disc")
        assert not (root / "VIEWER").exists()
        assert not (root / "AUTORUN.INF").exists()

    def test_every_disc_of_span_has_viewer(self, make_daemon, tmp_path):
        # A 200 KB file makes the viewer a visible part of each disc's overhead: two
        # series of about 1.75 MB and the viewer do not fit on a 3 MiB disc, one does.
        files = dict(VIEWER_FILES, **{"DATA/LARGE.BIN": bytes(200 * 1024)})
        viewer = make_viewer(tmp_path / "viewer", files)
        daemon = make_daemon("--completion-timeout", "600", "--virtual-disc-capacity", "3",
                             "--viewer-folder", str(viewer), "--viewer-autorun",
                             "BIN/VIEWER.EXE")
        sources = tmp_path / "sources"
        sources.mkdir()
        study_uid = pydicom.uid.generate_uid()
        daemon.storescu(*[path for series in (1, 2, 3)
                          for path in ct_series(sources, series, study_uid)])

        job = burn(daemon)

        assert [disc["count"] for disc in job["discs"]] == [3, 3, 3]
        for disc in job["discs"]:
            assert disc["bytes"] <= 3 * 1024 * 1024
            root = extract_disc(Path(disc["path"]), tmp_path / f"disc{disc['number']}")
            check_viewer_on_disc(root)
            assert (root / "VIEWER" / "DATA" / "LARGE.BIN").stat().st_size == 200 * 1024


def start_daemon(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    """Runs mediacenterd on 127.0.0.1 with `extra` options and returns once it exits, which
    a daemon that starts does not do within the timeout."""
    daemon = Daemon(tmp_path / "data", [])
    return subprocess.run(
        [str(daemon.bin / "mediacenterd"), "--config", "/dev/null",
         "--data-dir", str(tmp_path / "data"), "--bind-address", "127.0.0.1",
         "--port", str(free_port()), *extra],
        capture_output=True, text=True, timeout=30)


class TestViewerCheck:
    @pytest.mark.parametrize("name, offending, rule", [
        ("BIN/viewer.exe", "BIN/viewer.exe", "file name"),
        ("LONGFOLDER/VIEWER.EXE", "LONGFOLDER", "folder name"),
        ("A/B/C/D/E/F/G/H.TXT", "A/B/C/D/E/F/G", "directory levels"),
    ])
    def test_bad_name_stops_daemon(self, tmp_path, name, offending, rule):
        viewer = make_viewer(tmp_path / "viewer", {"GOOD.TXT": b"", name: b"x"})

        result = start_daemon(tmp_path, "--viewer-folder", str(viewer))

        assert result.returncode == 1, result.stderr
        assert f"{viewer}/{offending}:" in result.stderr
        assert rule in result.stderr
        assert not (tmp_path / "data" / "control.sock").exists()

    def test_symbolic_link_out_stops_daemon(self, tmp_path):
        viewer = make_viewer(tmp_path / "viewer", {"GOOD.TXT": b""})
        outside = make_viewer(tmp_path / "outside", {"OTHER.TXT": b""})
        (viewer / "LINK.TXT").symlink_to(outside / "OTHER.TXT")

        result = start_daemon(tmp_path, "--viewer-folder", str(viewer))

        assert result.returncode == 1, result.stderr
        assert f"{viewer}/LINK.TXT:" in result.stderr
        assert "outside the viewer folder" in result.stderr

    def test_missing_folder_stops_daemon(self, tmp_path):
        missing = tmp_path / "absent"

        result = start_daemon(tmp_path, "--viewer-folder", str(missing))

        assert result.returncode == 1, result.stderr
        assert str(missing) in result.stderr
        assert "not found" in result.stderr

    def test_autorun_without_folder_stops_daemon(self, tmp_path):
        result = start_daemon(tmp_path, "--viewer-autorun", "BIN/VIEWER.EXE")

        assert result.returncode == 1, result.stderr
        assert "viewer_folder" in result.stderr
