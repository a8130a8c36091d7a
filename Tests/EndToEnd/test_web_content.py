"""End to end: the web pages of IHE Portable Data for Imaging on each disc. Three patients
(a CT, an MR with a name in UTF-8 and an MR with a name in ISO 2022 IR 87) are sent, burned
and extracted. The pages are checked as files, then opened in headless Chromium with no
network."""

import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

import png_check
from conftest import Daemon, extract_disc, sample_file
from test_end_to_end import write_variant

# Patient's Name as stored and as INDEX.HTM shows it, per Patient ID.
PATIENTS = {
    "1CT1": ("CompressedSamples^CT1", "CompressedSamples CT1"),
    "PDI-UTF8": ("Wang^XiaoDong=王^小東=", "Wang XiaoDong = 王 小東"),
    "PDI-JIS": ("Yamada^Tarou=山田^太郎=やまだ^たろう", "Yamada Tarou = 山田 太郎 = やまだ たろう"),
}
MAX_PREVIEW = 512


@pytest.fixture
def discs(daemon: Daemon, tmp_path) -> dict[str, Path]:
    """Sends the three patients, burns them and returns each extracted disc by Patient ID."""
    sources = tmp_path / "sources"
    sources.mkdir()
    utf8 = write_variant(
        "MR_small.dcm", sources, SpecificCharacterSet="ISO_IR 192", PatientID="PDI-UTF8",
        PatientName=PATIENTS["PDI-UTF8"][0], StudyDescription="Kopf <MRT> & \"Hals\"")
    jis = write_variant(
        "MR_small.dcm", sources, SpecificCharacterSet=["", "ISO 2022 IR 87"],
        PatientID="PDI-JIS", PatientName=PATIENTS["PDI-JIS"][0])
    raw = jis.read_bytes()
    assert b"\x1b$B" in raw, "pydicom did not write the name with ISO 2022 escapes"
    daemon.storescu(sample_file("CT_small.dcm"), utf8, jis)

    daemon.ctl("burn", "--all")
    jobs = daemon.wait_for_jobs(
        lambda jobs: len(jobs) == 3 and all(job["state"] in ("done", "failed") for job in jobs))
    extracted = {}
    for job in jobs:
        assert job["state"] == "done", job
        root = extract_disc(Path(job["discs"][0]["path"]), tmp_path / f"disc-{job['id']}")
        extracted[job["patientID"]] = root
    assert sorted(extracted) == sorted(PATIENTS)
    return extracted


class PageLinks(HTMLParser):
    """Collects the links and image sources of a page, and counts the elements that could
    run code or load other files: script, iframe, object, embed and link."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.images: list[dict[str, str]] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "a" and "href" in values:
            self.links.append(values["href"])
        if tag == "img":
            self.images.append(values)
        if tag in ("script", "iframe", "object", "embed", "link"):
            self.scripts += 1


def pages(root: Path) -> list[Path]:
    return [root / "INDEX.HTM", *sorted((root / "IHE_PDI").glob("*.HTM"))]


def check_index_names(discs: dict[str, Path]) -> None:
    for patient_id, (_, expected_name) in PATIENTS.items():
        index = (discs[patient_id] / "INDEX.HTM").read_text(encoding="utf-8")
        assert expected_name in index, patient_id
        assert f"<td>{patient_id}</td>" in index
        assert 'href="README.TXT"' in index
        assert 'href="IHE_PDI/STU00001.HTM"' in index
    index = (discs["PDI-UTF8"] / "INDEX.HTM").read_text(encoding="utf-8")
    assert "Kopf &lt;MRT&gt; &amp; &quot;Hals&quot;" in index
    assert "<MRT>" not in index


def check_layout(root: Path) -> None:
    assert "INDEX.HTM" in (root / "README.TXT").read_text(encoding="ascii")
    for path in (root / "DICOM").rglob("*"):
        if path.is_file():
            assert path.read_bytes()[128:132] == b"DICM", path
    for path in root.rglob("*"):
        stem, _, extension = path.name.partition(".")
        assert len(stem) <= 8, path
        assert len(extension) <= 3, path
        assert re.fullmatch(r"[A-Z0-9_]+(\.[A-Z0-9_]+)?", path.name), path


def check_links(root: Path) -> None:
    for page in pages(root):
        parser = PageLinks()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.scripts == 0, page
        for target in parser.links + [image["src"] for image in parser.images]:
            parsed = urlparse(target)
            assert parsed.scheme == "", (page, target)
            assert parsed.netloc == "", (page, target)
            assert not target.startswith("/"), (page, target)
            resolved = (page.parent / unquote(parsed.path)).resolve()
            assert resolved.is_file(), (page, target)
            assert resolved.is_relative_to(root.resolve()), (page, target)


def check_previews(root: Path) -> None:
    previews = sorted((root / "IHE_PDI").glob("*.PNG"))
    assert previews, root
    for path in previews:
        image = png_check.read(path)
        assert 0 < image.width <= MAX_PREVIEW, path
        assert 0 < image.height <= MAX_PREVIEW, path
        values = {row[i] for row in image.rows for i in range(0, len(row), 7)}
        assert len(values) > 8, f"{path} is nearly uniform"


def test_disc_pages_decode_names_and_link_within_disc(discs):
    check_index_names(discs)
    for root in discs.values():
        check_layout(root)
        check_links(root)
        check_previews(root)


def chromium_command() -> list[str]:
    """The command that starts headless Chromium with no network, or a skip."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("chromium is not installed; scripts/setup --tests installs it")
    # Without network: a new network namespace where the sandbox allows one, and in any
    # case a host resolver that finds no host.
    command = [executable]
    if shutil.which("unshare") and subprocess.run(
            ["unshare", "--net", "true"], capture_output=True).returncode == 0:
        command = ["unshare", "--net", executable]
    command += ["--headless", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr",
                "--log-level=0", "--window-size=900,1000"]
    # Chromium's own sandbox cannot start as root.
    if os.geteuid() == 0:
        command.append("--no-sandbox")
    return command


def run_chromium(profile: Path, url: str, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*chromium_command(), f"--user-data-dir={profile}", *options, url],
        capture_output=True, text=True, timeout=120)


@pytest.fixture
def chromium(tmp_path):
    """A function that runs headless Chromium on a page; skips when it cannot start."""
    probe = tmp_path / "probe.html"
    probe.write_text("<!DOCTYPE html><p>probe</p>")
    profile = tmp_path / "chromium-profile"
    try:
        result = run_chromium(profile, probe.as_uri(), "--dump-dom")
    except (OSError, subprocess.TimeoutExpired) as error:
        pytest.skip(f"headless chromium cannot start here: {error}")
    if result.returncode != 0 or "probe" not in result.stdout:
        pytest.skip(f"headless chromium cannot start here (exit {result.returncode}): "
                    f"{result.stderr[-500:]}")
    return lambda page, *options: run_chromium(profile, page.as_uri(), *options)


def console_lines(result: subprocess.CompletedProcess) -> list[str]:
    """The page's console messages in Chromium's log, such as script errors."""
    return [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


def differing_pixels(first: png_check.PNGImage, second: png_check.PNGImage) -> int:
    assert (first.width, first.height) == (second.width, second.height)
    return sum(
        1 for y in range(first.height) for x in range(first.width)
        if first.pixel(x, y)[:3] != second.pixel(x, y)[:3])


def test_pages_open_in_headless_chromium(discs, chromium, tmp_path):
    check_index_in_chromium(discs["PDI-JIS"], chromium, tmp_path)
    check_series_page_in_chromium(discs["1CT1"], chromium, tmp_path)


def check_index_in_chromium(root: Path, chromium, tmp_path: Path) -> None:
    index = root / "INDEX.HTM"

    dumped = chromium(index, "--dump-dom")
    shot = tmp_path / "index.png"
    screenshot_run = chromium(index, f"--screenshot={shot}")

    assert dumped.returncode == 0, dumped.stderr
    assert console_lines(dumped) == []
    assert PATIENTS["PDI-JIS"][1] in dumped.stdout
    assert screenshot_run.returncode == 0, screenshot_run.stderr
    assert console_lines(screenshot_run) == []
    image = png_check.read(shot)
    colors = {image.pixel(x, y)[:3] for y in range(0, image.height, 5)
              for x in range(0, image.width, 5)}
    assert len(colors) > 2, "the screenshot of INDEX.HTM is blank"


def check_series_page_in_chromium(root: Path, chromium, tmp_path: Path) -> None:
    page = root / "IHE_PDI" / "SER00001.HTM"
    text = page.read_text(encoding="utf-8")
    match = re.search(r'<img src="(SER00001\.PNG)" width="(\d+)" height="(\d+)"', text)
    assert match, text
    width, height = int(match.group(2)), int(match.group(3))
    # The same page with the image missing: if the preview was decoded and drawn, the
    # two screenshots differ over most of the image's area.
    broken = root / "IHE_PDI" / "BROKEN.HTM"
    broken.write_text(text.replace('src="SER00001.PNG"', 'src="MISSING.PNG"'),
                      encoding="utf-8")

    with_image = tmp_path / "series.png"
    without_image = tmp_path / "broken.png"
    screenshot_run = chromium(page, f"--screenshot={with_image}")
    chromium(broken, f"--screenshot={without_image}")
    dumped = chromium(page, "--dump-dom")

    assert screenshot_run.returncode == 0, screenshot_run.stderr
    assert console_lines(screenshot_run) == []
    assert console_lines(dumped) == []
    assert 'src="SER00001.PNG"' in dumped.stdout
    difference = differing_pixels(png_check.read(with_image), png_check.read(without_image))
    assert difference > width * height // 2, (difference, width, height)
