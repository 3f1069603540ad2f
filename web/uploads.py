"""Documents uploaded by an admin in the browser: checked, held until the ingest is free, then
put in one place per file name and ingested while the admin watches each file's outcome.

Only the uploaded bytes are used: the browser never names a path on the server. A file keeps
one home per name (`uploads/files/NAME/NAME`), so uploading a file under a name used before
is a changed file at the same path, as with `kb ingest`: the new edition replaces the old one
and the corrections saved for it carry over; the progress page says which document it replaced.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import logging
import os
import re
import secrets
import shutil
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from starlette.datastructures import UploadFile

from search.catalogue import Catalogue
from search.schema import WITHDRAWN, RunChoices
from search.signatures import PDF_SIGNATURE, ZIP_SIGNATURE, binary_kind

__all__ = [
    "ACCEPT",
    "MANIFEST",
    "MAX_JOBS_KEPT",
    "PDF_SIGNATURE",
    "REPLACES",
    "SIGNATURE_WINDOW",
    "UNSUPPORTED",
    "UPLOAD_TYPES",
    "JobShelf",
    "Runner",
    "UploadJob",
    "UploadJobs",
    "accept_uploads",
    "delete_upload",
    "safe_file_name",
    "upload_type",
]

log = logging.getLogger(__name__)

SIGNATURE_WINDOW = 1024  # the PDF standard lets the header start anywhere in the first 1 KB
# The file types `kb ingest` reads (ingest.formats.READABLE; a test keeps the two in step),
# with the words for a file that claims the type but is not it. The door only looks at the
# first bytes: the rest of a file (a Word file's zip limits, a page's markup) is checked by the
# ingest's own readers, in their isolated process, and any refusal is shown beside the file.
UPLOAD_TYPES = {
    ".pdf": "It is not a PDF file.",
    ".docx": "It is not a Word file (.docx).",
    ".html": "It is not a saved web page.",
    ".htm": "It is not a saved web page.",
}
# What the file picker offers: the endings above and their media types.
ACCEPT = ",".join(
    [
        *UPLOAD_TYPES,
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "text/html",
    ]
)
UNSUPPORTED = (
    "This file type is not supported. We can read PDF files, Word files (.docx) and saved "
    "web pages (.html)."
)
MANIFEST = "manifest.csv"
# The ingest's outcomes (ingest.pipeline) that mean it took a new edition in.
TAKEN = frozenset({"indexed", "indexed_with_warnings", "duplicate"})
REPLACES = (
    "{file} replaces the earlier upload of {file} (title “{title}”). Corrections saved for "
    "the earlier one carry over. To keep both, give the new file a different name and upload "
    "it again."
)
MAX_JOBS_KEPT = 50
# Under the uploads folder, the folder of every uploaded file's home (FILES/NAME/NAME).
FILES = "files"


def _upload_home(homes: Path, name: str) -> Path:
    """Where an uploaded file named `name` is kept: a folder of its own under `homes`, so its
    manifest can sit beside it."""
    return (homes / name / name).resolve()


J = TypeVar("J")
Runner = Callable[[list[str], RunChoices, Callable[[dict[str, Any]], None]], dict[str, Any]]


def upload_type(name: str) -> str | None:
    """The type a file's name claims ('.pdf', '.docx', ...) if we read it; None if not."""
    base = re.split(r"[\\/]", name)[-1]
    suffix = "." + base.rsplit(".", 1)[1].lower() if "." in base else ""
    return suffix if suffix in UPLOAD_TYPES else None


def safe_file_name(name: str, suffix: str = ".pdf") -> str:
    """A plain file name from whatever the browser sent: no folders, no odd characters, and
    the file type's own ending."""
    base = re.split(r"[\\/]", name)[-1]
    stem = re.sub(r"[^A-Za-z0-9 ._()-]+", "-", base.rsplit(".", 1)[0]).strip(" .-")[:100]
    return f"{stem or 'upload'}{suffix}"


def _why_not_type(suffix: str, head: bytes) -> str:
    """Why the first bytes do not fit the type the name claims, or '' when they do."""
    if suffix == ".pdf":
        is_type = PDF_SIGNATURE in head
    elif suffix == ".docx":
        is_type = head.startswith(ZIP_SIGNATURE)
    else:  # a web page is text: a PDF, a picture or other binary file under its name is not
        kind = binary_kind(head)
        return "" if kind is None else f"{UPLOAD_TYPES[suffix]} It is {kind}."
    return "" if is_type else UPLOAD_TYPES[suffix]


@dataclass
class UploadJob:
    """One upload: the files it kept, those it turned away, and the ingest's progress."""

    id: str
    folder: Path  # where the kept files wait for the ingest
    homes: Path  # the folder of every uploaded file's home, one per name
    access: str
    checked: list[dict[str, Any]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    replaces: dict[str, str] = field(default_factory=dict)  # file name: the earlier one's title
    lines: list[dict[str, Any]] = field(default_factory=list)
    state: str = "waiting"
    error: str = ""
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def kept(self) -> int:
        return len(self.names)

    def home_of(self, name: str) -> Path:
        return _upload_home(self.homes, name)

    def note_replacements(self, catalogue: Catalogue) -> None:
        """Say which documents already in the library the kept files will replace."""
        replaces: dict[str, str] = {}
        for name in self.names:
            earlier = catalogue.file(str(self.home_of(name)))
            record = catalogue.document(earlier.doc_id) if earlier and earlier.doc_id else None
            if record is not None:
                replaces[name] = record.meta.title
        self.replaces = replaces

    def audit_detail(self) -> str:
        """Every file sent, each with what the door did with it, for the audit log."""
        accepted = [
            f"{name} (accepted"
            + (f", replacing “{self.replaces[name]}”" if name in self.replaces else "")
            + ")"
            for name in self.names
        ]
        refused = [f"{o['file']} ({o['outcome']})" for o in self.checked]
        files = [*accepted, *refused]
        return f"{len(files)} file(s) as {self.access}: " + "; ".join(files)

    def move_home(self) -> list[str]:
        """Put each kept file in its home, beside a manifest giving its level; their paths.
        An earlier edition is set aside until the ingest has read the new one."""
        paths: list[str] = []
        for name in self.names:
            home = self.home_of(name)
            home.parent.mkdir(parents=True, exist_ok=True)
            if home.exists():
                _set_aside(home).parent.mkdir(exist_ok=True)
                os.replace(home, _set_aside(home))
            os.replace(self.folder / name, home)
            with (home.parent / MANIFEST).open("w", newline="", encoding="utf-8") as handle:
                csv.writer(handle).writerows([["file", "access"], [name, self.access]])
            paths.append(str(home))
        shutil.rmtree(self.folder, ignore_errors=True)
        return paths

    def settle(self) -> None:
        """After the ingest: a new edition it took (indexed, or stored once as a duplicate)
        stays; otherwise (it could not be read, or the ingest stopped first) the earlier
        document is still the one in the index, so the earlier file goes back beside it."""
        taken = {line["path"] for line in self.lines if line.get("outcome") in TAKEN}
        for name in self.names:
            home = self.home_of(name)
            earlier = _set_aside(home)
            if not earlier.exists():
                continue
            if str(home) in taken:
                earlier.unlink()
            else:
                os.replace(earlier, home)
            with contextlib.suppress(OSError):  # another edition may be waiting in it
                earlier.parent.rmdir()

    def view(self) -> dict[str, Any]:
        """What the progress page shows."""
        return {
            "id": self.id,
            "title": "Upload progress",
            "href": f"/admin/uploads/{self.id}",
            "next_href": "/admin/upload",
            "next_text": "Upload more files",
            "access": self.access,
            "state": self.state,
            "error": self.error,
            "notices": [
                REPLACES.format(file=name, title=title) for name, title in self.replaces.items()
            ],
            "kept": self.kept,
            "done": len(self.lines),
            "outcomes": [*self.checked, *self.lines],
        }


def _set_aside(home: Path) -> Path:
    # A hidden folder: a scan of the uploads folder passes over it.
    return home.parent / ".earlier" / home.name


async def _save(
    upload: UploadFile, target: Path, max_bytes: int, suffix: str
) -> tuple[str, str] | tuple[None, str]:
    """Copy the upload to `target` while hashing it; (hash, '') or (None, why not)."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    with target.open("wb") as out:
        while block := await upload.read(1 << 20):
            size += len(block)
            if size > max_bytes:
                break
            if len(head) < SIGNATURE_WINDOW:
                head += block[: SIGNATURE_WINDOW - len(head)]
            digest.update(block)
            out.write(block)
    if size > max_bytes:
        target.unlink(missing_ok=True)
        return None, f"It is bigger than {max_bytes // (1024 * 1024)} MB."
    if size == 0:
        target.unlink(missing_ok=True)
        return None, "The file is empty."
    why = _why_not_type(suffix, head)
    if why:
        target.unlink(missing_ok=True)
        return None, why
    return digest.hexdigest(), ""


async def accept_uploads(
    files: list[UploadFile], access: str, uploads_dir: Path, max_mb: int, catalogue: Catalogue
) -> UploadJob:
    """Save the files worth ingesting in a new waiting folder; note why any others were turned
    away, and which earlier uploads the others will replace."""
    job_id = secrets.token_hex(8)
    folder = uploads_dir / "incoming" / job_id
    folder.mkdir(parents=True, exist_ok=False)
    job = UploadJob(id=job_id, folder=folder, homes=uploads_dir / FILES, access=access)
    seen: dict[str, str] = {}
    names = job.names
    for upload in files:
        shown = (upload.filename or "upload")[:200]
        suffix = upload_type(shown)
        if suffix is None:
            job.checked.append(
                {"file": shown, "outcome": "refused", "reason": UNSUPPORTED, "doc_id": None}
            )
            continue
        name = safe_file_name(shown, suffix)
        n = 1
        while name in names:
            n += 1
            name = safe_file_name(f"{shown.rsplit('.', 1)[0]} ({n})", suffix)
        digest, why = await _save(upload, folder / name, max_mb * 1024 * 1024, suffix)
        existing = catalogue.document_for_content(digest) if digest is not None else None
        if existing is not None and existing.meta.access == WITHDRAWN:
            # Nobody but admins sees it: say where it is, not just that it is there.
            why = (
                f"It is already in the library as “{existing.meta.title}”, withdrawn: bring it"
                " back from its page to show it again."
            )
        elif existing is not None:
            why = f"It is already in the library as “{existing.meta.title}”."
        elif digest in seen:
            why = f"It is the same as {seen[digest]} in this upload."
        if digest is None or why:
            (folder / name).unlink(missing_ok=True)
            job.checked.append(
                {
                    "file": shown,
                    "outcome": "duplicate" if digest else "refused",
                    "reason": why,
                    "doc_id": existing.doc_id if existing else None,
                }
            )
            continue
        seen[digest] = shown
        names.append(name)
    job.note_replacements(catalogue)
    return job


def delete_upload(uploads_dir: Path, path: str) -> bool:
    """Delete the uploaded file stored at `path`, with the manifest beside it and their folder,
    and say whether `path` was one (True too if its file had already gone). Any other path is
    left alone and False: one outside the uploads folder, one that reaches it through `..` or
    a link, and anything at a home that is not a plain file."""
    if not path or "\x00" in path or not Path(path).is_absolute():
        return False
    given = Path(path)
    home = given.resolve()
    if home != given or home != _upload_home(uploads_dir / FILES, home.name):
        return False
    try:
        if not stat.S_ISREG(home.lstat().st_mode):
            return False
    except FileNotFoundError:
        return True
    home.unlink()
    (home.parent / MANIFEST).unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # an earlier edition set aside may still be in it
        home.parent.rmdir()
    return True


class JobShelf(Generic[J]):
    """A site run's jobs by id, the newest MAX_JOBS_KEPT of them, kept in memory: their pages
    show progress; what they did is in the catalogue whatever becomes of them."""

    def __init__(self) -> None:
        self._jobs: dict[str, J] = {}
        self._lock = threading.Lock()

    def get(self, job_id: str) -> J | None:
        with self._lock:
            return self._jobs.get(job_id)

    def keep(self, job_id: str, job: J) -> None:
        with self._lock:
            if len(self._jobs) >= MAX_JOBS_KEPT:
                del self._jobs[next(iter(self._jobs))]
            self._jobs[job_id] = job


class UploadJobs(JobShelf[UploadJob]):
    """The uploads of this site's run, each ingested in turn on a worker thread."""

    def start(
        self, job: UploadJob, runner: Runner, ingest_lock: threading.Lock, catalogue: Catalogue
    ) -> None:
        self.keep(job.id, job)
        if job.kept == 0:
            shutil.rmtree(job.folder, ignore_errors=True)
            job.state = "finished"
            return

        def work() -> None:
            with ingest_lock:  # one ingest at a time: wait for any other to finish
                job.state = "running"
                try:
                    # Again now: an upload that ran meanwhile may have used the same name.
                    job.note_replacements(catalogue)
                    paths = job.move_home()
                    try:
                        job.summary = runner(paths, RunChoices(), job.lines.append)
                    finally:
                        job.settle()
                    job.state = "finished"
                except Exception as error:
                    log.exception("upload %s failed", job.id)
                    job.error = f"The ingest stopped: {error}"
                    job.state = "failed"

        threading.Thread(target=work, name=f"upload-{job.id}", daemon=True).start()
