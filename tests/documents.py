"""Writes the other kinds of file the ingest reads, for tests: scans, Word files, web pages."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

_DOCX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/></Types>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def write_scanned_pdf(
    path: Path, pages: list[list[str]], dpi: int = 150, heading_size: int = 16
) -> Path:
    """An image-only PDF: each page's lines are typeset (the first in `heading_size` points,
    the rest in 16), drawn as a picture, and the picture alone is saved, as a scanner would (no
    text layer)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    typeset = path.with_suffix(".typeset.pdf")
    pdf = canvas.Canvas(str(typeset), pagesize=A4, invariant=1)
    for lines in pages:
        y = 760
        for number, line in enumerate(lines):
            size = heading_size if number == 0 else 16
            pdf.setFont("Helvetica-Bold" if size > 16 else "Helvetica", size)
            pdf.drawString(60, y, line)
            y -= size + 10
        pdf.showPage()
    pdf.save()
    stem = path.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(typeset), str(stem)],
        check=True,
        capture_output=True,
    )
    pictures = sorted(path.parent.glob(f"{stem.name}-*.png"))
    images = [Image.open(p).convert("L") for p in pictures]
    images[0].save(path, "PDF", resolution=float(dpi), save_all=True, append_images=images[1:])
    for image, picture in zip(images, pictures, strict=True):
        image.close()
        picture.unlink()
    typeset.unlink()
    return path


def write_docx(path: Path, paragraphs: list[tuple[str, str]], title: str = "") -> Path:
    """A minimal Word file: (style, text) pairs, style '' for body text or 'Title'/'Heading1'."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(
        f'<w:p>{_style(style)}<w:r><w:t xml:space="preserve">{_escape(text)}</w:t></w:r></w:p>'
        for style, text in paragraphs
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}">'
        f"<w:body>{body}</w:body></w:document>"
    )
    core = (
        '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties '
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/">'
        f"<dc:title>{_escape(title)}</dc:title><dcterms:created>2023-05-01T00:00:00Z"
        "</dcterms:created></cp:coreProperties>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _DOCX_TYPES)
        archive.writestr("word/document.xml", document)
        archive.writestr("docProps/core.xml", core)
    return path


def write_docx_bomb(path: Path, megabytes: int = 80) -> Path:
    """A small .docx whose main part unpacks to `megabytes` of spaces."""
    path.parent.mkdir(parents=True, exist_ok=True)
    block = b" " * (1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _DOCX_TYPES)
        with archive.open("word/document.xml", "w", force_zip64=True) as handle:
            for _ in range(megabytes):
                handle.write(block)
    return path


def _style(style: str) -> str:
    return f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
