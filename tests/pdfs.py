"""Writes small real PDFs for tests: plain, encrypted, corrupt."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas


def write_pdf(path: Path, pages: list[str], title: str = "", author: str = "") -> Path:
    """One PDF page per string; long strings wrap at ~90 characters."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    if title:
        pdf.setTitle(title)
    if author:
        pdf.setAuthor(author)
    for text in pages:
        y = 800
        line = ""
        for word in text.split():
            if len(line) + len(word) > 90:
                pdf.drawString(50, y, line)
                y -= 14
                line = ""
            line = f"{line} {word}".strip()
        if line:
            pdf.drawString(50, y, line)
        pdf.showPage()
    pdf.save()
    return path


def write_lined_pdf(
    path: Path,
    pages: list[list[str]],
    top: float = 800.0,
    line_gap: float = 14.0,
    left: float = 50.0,
) -> Path:
    """One PDF page per list, one drawn line per string, from `top` down by `line_gap`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for lines in pages:
        y = top
        for line in lines:
            pdf.drawString(left, y, line)
            y -= line_gap
        pdf.showPage()
    pdf.save()
    return path


def write_encrypted_pdf(path: Path, text: str, password: str = "secret") -> Path:
    plain = write_pdf(path.with_suffix(".plain.pdf"), [text])
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="AES-256")
    with path.open("wb") as handle:
        writer.write(handle)
    plain.unlink()
    return path


def write_corrupt_pdf(path: Path) -> Path:
    path.write_bytes(
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\n" + b"\x00garbage" * 50
    )
    return path


def name_glyphs_by_number(path: Path, numbers: list[int]) -> Path:
    """Rewrite the PDF so its fonts' encodings name glyphs by number ("/g150") at codes its
    text never uses, as a font converted from a word processor's does; the text drawn, and how
    it reads, are unchanged."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

    reader = PdfReader(str(path))
    writer = PdfWriter()
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"].get_object()
        for font in fonts.values():
            font = font.get_object()
            font[NameObject("/Encoding")] = DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Encoding"),
                    NameObject("/BaseEncoding"): NameObject("/WinAnsiEncoding"),
                    NameObject("/Differences"): ArrayObject(
                        [NumberObject(1), *(NameObject(f"/g{n}") for n in numbers[:30])]
                    ),
                }
            )
        writer.add_page(page)
    with path.open("wb") as out:
        writer.write(out)
    return path
