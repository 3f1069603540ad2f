"""What a file's first bytes say it is, whatever its name claims, and the words for a file
refused for what it is: the upload door checks what the ingest's readers check again, so a
file refused at either (a type we do not read, an empty file, a PDF or a picture under another
type's name) is refused in the same words, with the same next step."""

from __future__ import annotations

__all__ = [
    "EMPTY_FILE",
    "HTML_NOT_TEXT",
    "NOT_A_PDF",
    "PDF_SIGNATURE",
    "UNSUPPORTED",
    "ZIP_SIGNATURE",
    "binary_kind",
]

# Each says why, then what to do; they are read on the upload page, the status page and in
# `kb ingest`'s report alike.
UNSUPPORTED = (
    "This file type is not supported. We can read PDF files, Word files (.docx) and saved "
    "web pages (.html). Save it as one of these and upload that."
)
EMPTY_FILE = "The file is empty. Check the file opens on your computer, then upload it again."
NOT_A_PDF = "It is not a PDF file. Open it on your computer, save it as a PDF and upload that."
HTML_NOT_TEXT = (
    "It is not a saved web page: it is {kind} under a web page's name. Give it its own file"
    " ending (such as .pdf) and upload it again."
)

PDF_SIGNATURE = b"%PDF-"
ZIP_SIGNATURE = b"PK\x03\x04"  # a .docx is a zip, and a zip starts with its first entry

# Leading bytes of files that are never text, and what to call them in a message.
_SIGNATURES = (
    (PDF_SIGNATURE, "a PDF file"),
    (ZIP_SIGNATURE, "a zip file (a Word file is one)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an older Office file (.doc, .xls)"),
    (b"\x89PNG\r\n\x1a\n", "a picture"),
    (b"\xff\xd8\xff", "a picture"),
    (b"GIF8", "a picture"),
    (b"MZ", "a program"),
    (b"\x7fELF", "a program"),
)
# Bytes below a space other than tab, line feed, form feed and carriage return: text has
# almost none, a binary file has many.
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13))
_MAX_CONTROL_SHARE = 0.01


def binary_kind(head: bytes) -> str | None:
    """What the first bytes of a file are when they are not text ("a PDF file", "a picture",
    "a binary file"), or None for text. Only a file that opens with a signature is taken for
    that type (a web page may well mention "%PDF-" in its text); any other binary file is
    known by its control bytes."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # text in UTF-16, which is full of NULs
        return None
    start = head.lstrip()
    for signature, kind in _SIGNATURES:
        if start.startswith(signature):
            return kind
    if b"\x00" in head:
        return "a binary file"
    controls = len(head) - len(head.translate(None, _CONTROL))
    return "a binary file" if head and controls / len(head) > _MAX_CONTROL_SHARE else None
