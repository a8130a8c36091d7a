"""End to end: each verified disc gets an SVG label with the patient's name decoded from
its Specific Character Set, the patient's details and the disc's position in its set."""

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pydicom
from pydicom.uid import generate_uid

from conftest import sample_file

SVG = "{http://www.w3.org/2000/svg}"

# (Specific Character Set, Patient's Name, Patient ID, Modality, parts of the name that the
# label must show once decoded)
PATIENTS = [
    ("ISO_IR 192", "Παπαδοπούλου^Ελένη=山本^花子", "LABEL-UTF8", "CT",
     ["Παπαδοπούλου, Ελένη", "山本, 花子"]),
    (["", "ISO 2022 IR 87"], "Yamada^Tarou=山田^太郎=やまだ^たろう", "LABEL-JIS", "MR",
     ["Yamada, Tarou", "山田, 太郎", "やまだ, たろう"]),
]


def write_instance(folder: Path, charset, name: str, patient_id: str, modality: str) -> Path:
    """Writes a copy of CT_small.dcm as a new instance of a new study of the patient, with
    the name encoded in `charset`."""
    dataset = pydicom.dcmread(sample_file("CT_small.dcm"))
    dataset.SpecificCharacterSet = charset
    dataset.PatientName = name
    dataset.PatientID = patient_id
    dataset.PatientBirthDate = "19700131"
    dataset.StudyDate = "20240506"
    dataset.Modality = modality
    dataset.InstitutionName = "General Hospital"
    dataset.StudyInstanceUID = generate_uid()
    dataset.SeriesInstanceUID = generate_uid()
    dataset.SOPInstanceUID = generate_uid()
    dataset.file_meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID
    path = folder / f"{patient_id}.dcm"
    dataset.save_as(path, enforce_file_format=True)
    return path


def label_texts(disc_path: str) -> list[str]:
    """Parses the SVG label of the disc image at `disc_path` and returns its text lines."""
    label = Path(disc_path + ".label.svg")
    raw = label.read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ElementTree.fromstring(raw)
    assert root.tag == SVG + "svg"
    assert root.get("viewBox") == "0 0 120.0 120.0"
    circles = root.findall(SVG + "circle")
    assert len(circles) == 2, "the disc outline and its centre hole"
    return ["".join(text.itertext()) for text in root.iter(SVG + "text")]


def burn_all(daemon) -> list[dict]:
    daemon.ctl("burn", "--all")
    return daemon.wait_for_jobs(
        lambda jobs: jobs and all(job["state"] in ("done", "failed") for job in jobs))


class TestLabels:
    def test_labels_show_decoded_names(self, daemon, tmp_path):
        paths = [write_instance(tmp_path, charset, name, patient_id, modality)
                 for charset, name, patient_id, modality, _ in PATIENTS]
        daemon.storescu(*paths)

        jobs = burn_all(daemon)

        assert len(jobs) == len(PATIENTS), jobs
        by_id = {job["patientID"]: job for job in jobs}
        for _, _, patient_id, modality, name_parts in PATIENTS:
            job = by_id[patient_id]
            assert job["state"] == "done", job
            disc = job["discs"][0]
            texts = label_texts(disc["path"])
            name_line = texts[0]
            for part in name_parts:
                assert part in name_line, (part, texts)
            assert f"ID {patient_id}" in texts
            assert "Born 1970-01-31" in texts
            assert "Study 2024-05-06" in texts
            assert modality in texts
            assert "General Hospital" in texts
            assert texts[-1].lower() == "disc 1 of 1"
            assert Path(disc["path"] + ".label.txt").read_text(encoding="utf-8") \
                .splitlines()[0] == name_line

        log = daemon.log()
        for _, _, _, _, name_parts in PATIENTS:
            for part in name_parts:
                assert part not in log, f"patient name {part} in the log at info level"

    def test_configured_institution_is_escaped(self, make_daemon, tmp_path):
        institution = "Clinic <A&B> \"East\""
        daemon = make_daemon("--completion-timeout", "600", "--label-institution", institution)
        charset, name, patient_id, modality, name_parts = PATIENTS[0]
        daemon.storescu(write_instance(tmp_path, charset, name, patient_id, modality))

        job = burn_all(daemon)[0]

        assert job["state"] == "done", job
        disc_path = job["discs"][0]["path"]
        texts = label_texts(disc_path)
        assert institution in texts
        assert "General Hospital" not in texts
        assert "&lt;A&amp;B&gt;" in Path(disc_path + ".label.svg").read_text(encoding="utf-8")

    def test_reject_label_names_reason(self, make_daemon, tmp_path):
        daemon = make_daemon("--completion-timeout", "600", "--simulated-supply", "written")
        charset, name, patient_id, modality, _ = PATIENTS[0]
        daemon.storescu(write_instance(tmp_path, charset, name, patient_id, modality))

        job = burn_all(daemon)[0]

        assert job["state"] == "done", job
        good = Path(job["discs"][0]["path"])
        rejected = [path for path in (daemon.data_dir / "discs").rglob("*.label.svg")
                    if path.name != good.name + ".label.svg"]
        assert len(rejected) == 1, rejected
        texts = label_texts(str(rejected[0]).removesuffix(".label.svg"))
        assert texts[0] == "REJECT"
        assert "not blank" in " ".join(texts[1:])
