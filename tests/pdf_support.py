"""Test helpers for printed documents: fonts listed by ``pdffonts``, pages rendered to PNG."""
import os
import subprocess

ARTIFACTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "artifacts")


def pdf_fonts(path):
    """The fonts of a PDF as (name, embedded) pairs, from poppler's ``pdffonts``."""
    out = subprocess.run(["pdffonts", path], check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        # Columns from the right: emb sub uni object ID (two fields).
        rows.append((parts[0], parts[-5] == "yes"))
    return rows


def assert_cjk_embedded(path):
    """Every font of the PDF is embedded and a Noto CJK font is among them."""
    fonts = pdf_fonts(path)
    assert any("CJK" in name for name, _ in fonts), fonts
    assert all(embedded for _, embedded in fonts), fonts


def pdf_text(path):
    """The text of a PDF in layout order (poppler's ``pdftotext``)."""
    return subprocess.run(["pdftotext", "-layout", path, "-"], check=True, capture_output=True,
                          text=True).stdout


def save_artifact(data, name, first_page_png=True):
    """Write ``data`` to tests/artifacts/<name>.pdf and its first page to <name>.png."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, name + ".pdf")
    with open(path, "wb") as handle:
        handle.write(data)
    if first_page_png:
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", path,
                        os.path.join(ARTIFACTS, name)], check=True)
    return path


def page_count(path):
    """Number of pages (``pdfinfo``)."""
    out = subprocess.run(["pdfinfo", path], check=True, capture_output=True, text=True).stdout
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))
