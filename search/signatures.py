"""What a file's first bytes say it is, whatever its name claims: the upload door and the web
page reader share this, so a PDF or a picture saved under a web page's name is refused with
the same words at both."""

from __future__ import annotations

__all__ = ["PDF_SIGNATURE", "ZIP_SIGNATURE", "binary_kind"]

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
