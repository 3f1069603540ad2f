"""What a file's first bytes say it is: text, or which kind of binary file."""

from __future__ import annotations

import pytest

from search.signatures import binary_kind


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"%PDF-1.7\n6 0 obj <</ExtGState>> endobj", "a PDF file"),
        (b"\n  %PDF-1.4\n", "a PDF file"),
        (b"PK\x03\x04\x14\x00", "a zip file (a Word file is one)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "an older Office file (.doc, .xls)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "a picture"),
        (b"\xff\xd8\xff\xe0", "a picture"),
        (b"MZ\x90\x00\x03", "a program"),
        (b"<html>\x00\x01\x02</html>", "a binary file"),
        (b"<p>" + b"\x01\x02\x03\x04" * 5 + b"a" * 200 + b"</p>", "a binary file"),
    ],
)
def test_binary_files_are_named(head: bytes, kind: str) -> None:
    assert binary_kind(head) == kind


@pytest.mark.parametrize(
    "head",
    [
        b"<!DOCTYPE html><html><body><p>Warm spaces</p></body></html>",
        b"<html><p>How to save a report as a %PDF-1.4 file</p></html>",  # mentions it, is text
        "<p>Caf\u00e9 \u2013 \u00a35</p>\r\n\t\f".encode(),
        "<p>UTF-16 page</p>".encode("utf-16"),  # its byte order mark, then NULs
        b"",
    ],
)
def test_text_is_text(head: bytes) -> None:
    assert binary_kind(head) is None
