"""Documents uploaded by an admin in the browser: checked, held until the ingest is free, then
put in one place per file name and ingested while the admin watches each file's outcome.

Only the uploaded bytes are used: the browser never names a path on the server. A file keeps
one home per name (`uploads/files/NAME/NAME`), so uploading a file under a name used before
is a changed file at the same path, as with `kb ingest`: the new edition replaces the old one
and the corrections saved for it carry over; the progress page says which document it replaced.

Each upload's record is kept on disk (web.jobs): after a stop, the next start of the site shows
its page again and carries on with it, from its waiting folder or from the homes its files were
already moved to, and settles each earlier edition by what the catalogue holds.
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
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from starlette.datastructures import UploadFile

from search.catalogue import DUPLICATE, FAILED, INDEXED, SKIPPED, WARNINGS, Catalogue
from search.schema import ACCESS_LEVELS, WITHDRAWN, RunChoices
from search.signatures import (
    EMPTY_FILE,
    HTML_NOT_TEXT,
    NOT_A_PDF,
    PDF_SIGNATURE,
    UNSUPPORTED,
    ZIP_SIGNATURE,
    binary_kind,
)
from web.ingest_lock import IngestLock
from web.jobs import (
    FINISHED,
    Job,
    JobShelf,
    RecordError,
    Runner,
    fit_line,
    read_job_fields,
    read_lines,
    read_text,
    read_texts,
)

__all__ = [
    "ACCEPT",
    "LOST",
    "MANIFEST",
    "PDF_SIGNATURE",
    "REPLACES",
    "SIGNATURE_WINDOW",
    "UNSUPPORTED",
    "UPLOAD_TYPES",
    "UploadJob",
    "UploadJobs",
    "accept_uploads",
    "delete_upload",
    "delete_uploads",
    "is_upload",
    "safe_file_name",
    "settle_set_asides",
    "upload_type",
]

log = logging.getLogger(__name__)

SIGNATURE_WINDOW = 1024  # the PDF standard lets the header start anywhere in the first 1 KB
# The file types `kb ingest` reads (ingest.formats.READABLE; a test keeps the two in step),
# with the words for a file that claims the type but is not it. The door only looks at the
# first bytes: the rest of a file (a Word file's zip limits, a page's markup) is checked by the
# ingest's own readers, in their isolated process, and any refusal is shown beside the file.
UPLOAD_TYPES = {
    ".pdf": NOT_A_PDF,
    ".docx": (
        "It is not a Word file (.docx). Open it in Word, save it as a Word file (.docx) and"
        " upload that."
    ),
    ".html": HTML_NOT_TEXT,  # with {kind}: what its first bytes are (binary_kind)
    ".htm": HTML_NOT_TEXT,
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
TOO_BIG = (
    "It is bigger than {limit} MB. Save a smaller copy (with smaller pictures, say) or split it"
    " into parts, and upload that."
)
MANIFEST = "manifest.csv"
# What the catalogue says of a file whose bytes the library took in (read, or stored once).
TAKEN = frozenset({INDEXED, WARNINGS, DUPLICATE})
REPLACES = (
    "{file} replaces the earlier upload of {file} (title “{title}”). Corrections saved for "
    "the earlier one carry over. To keep both, give the new file a different name and upload "
    "it again."
)
LOST = (
    "The file was not found when the site started again after a stop, so it was not read."
    " Upload it again."
)
# Under the uploads folder: every uploaded file's home (FILES/NAME/NAME), and each upload's
# folder of files waiting for the ingest (INCOMING/ID/NAME).
FILES = "files"
INCOMING = "incoming"
MAX_NAME = 120  # safe_file_name keeps 100 characters of a name and its ending
_KEPT_CHARS = 100
# Letters NFKD does not split into a plain letter and an accent, and dashes, as the plain
# characters a stored name keeps.
_PLAIN_FORMS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    }
)


def _upload_home(homes: Path, name: str) -> Path:
    """Where an uploaded file named `name` is kept: a folder of its own under `homes`, so its
    manifest can sit beside it."""
    return (homes / name / name).resolve()


def upload_type(name: str) -> str | None:
    """The type a file's name claims ('.pdf', '.docx', ...) if we read it; None if not."""
    base = re.split(r"[\\/]", name)[-1]
    suffix = "." + base.rsplit(".", 1)[1].lower() if "." in base else ""
    return suffix if suffix in UPLOAD_TYPES else None


def _shown_name(name: str, most_chars: int = 200) -> str:
    """The name the browser sent, cut to `most_chars` in the middle so its ending (the type it
    claims) stays: a long name cut at the end would read as a file type we do not take."""
    if len(name) <= most_chars:
        return name
    ending = name[name.rfind(".") :] if "." in name[-17:] else ""
    return name[: most_chars - len(ending) - 1] + "…" + ending


def _plain_letters(text: str) -> str:
    """Accented letters as their plain ones ('É' as 'E'), dashes as hyphens: what a name
    in a Latin script keeps when stored in plain characters."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_PLAIN_FORMS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def safe_file_name(name: str, suffix: str = ".pdf") -> str:
    """A plain file name from whatever the browser sent: no folders, no odd characters, and
    the file type's own ending. Accented letters become plain ones, and what is still not
    plain becomes a hyphen. A name that changes so (an accent, another script, a cut) ends in
    a short code made from the whole name, so two names that lose different characters stay
    two files ('café', 'cafe'), never editions of one, and the same name always gives the
    same file."""
    base = re.split(r"[\\/]", name)[-1]
    whole = base.rsplit(".", 1)[0]
    # Plain letters first, then the character check: NFKD also makes a '/' or a '\\' of their
    # full-width forms, which the check turns into hyphens like any other.
    plain = re.sub(r"[^A-Za-z0-9 ._()-]+", "-", _plain_letters(whole))
    stem = plain.strip(" .-")[:_KEPT_CHARS]
    if plain != whole or len(plain.strip(" .-")) > _KEPT_CHARS:
        code = hashlib.sha256(base.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        stem = f"{stem[: _KEPT_CHARS - len(code) - 1] or 'upload'}-{code}"
    return f"{stem or 'upload'}{suffix}"


def _why_not_type(suffix: str, head: bytes) -> str:
    """Why the first bytes do not fit the type the name claims, or '' when they do."""
    if suffix == ".pdf":
        is_type = PDF_SIGNATURE in head
    elif suffix == ".docx":
        is_type = head.startswith(ZIP_SIGNATURE)
    else:  # a web page is text: a PDF, a picture or other binary file under its name is not
        kind = binary_kind(head)
        return "" if kind is None else UPLOAD_TYPES[suffix].format(kind=kind)
    return "" if is_type else UPLOAD_TYPES[suffix]


@dataclass(kw_only=True)
class UploadJob(Job):
    """One upload: the files it kept, those it turned away, and the ingest's progress."""

    kind: ClassVar[str] = "upload"
    folder: Path  # where the kept files wait for the ingest
    homes: Path  # the folder of every uploaded file's home, one per name
    access: str
    checked: list[dict[str, Any]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    replaces: dict[str, str] = field(default_factory=dict)  # file name: the earlier one's title

    @property
    def kept(self) -> int:
        return len(self.names)

    def home_of(self, name: str) -> Path:
        return _upload_home(self.homes, name)

    def _plain_home(self, name: str) -> Path | None:
        """The file's home, unless its folder is a link that leads elsewhere."""
        home = self.home_of(name)
        return home if home == self.homes.resolve() / name / name else None

    def note_replacements(self, catalogue: Catalogue) -> None:
        """Say which documents already in the library the kept files will replace."""
        replaces: dict[str, str] = {}
        for name in self.names:
            earlier = catalogue.file(str(self.home_of(name)))
            record = catalogue.document(earlier.doc_id) if earlier and earlier.doc_id else None
            if record is not None:
                replaces[name] = record.meta.title
        self.replaces = replaces

    def replacing(self) -> list[tuple[str, str]]:
        """Each kept file that replaces an earlier upload, with the earlier one's title: all
        of them while they wait or are read; once a file's outcome has come (or the job has
        ended), only if the library took it in. One that could not be read replaced nothing:
        its line says the earlier version stays in the index."""
        outcomes = {line.get("path"): line.get("outcome") for line in self.lines}
        is_over = self.state in FINISHED
        return [
            (name, title)
            for name, title in self.replaces.items()
            if (outcome := outcomes.get(str(self.home_of(name)))) in TAKEN
            or (outcome is None and not is_over)
        ]

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

    def move_home(self, catalogue: Catalogue) -> list[str]:
        """Put each kept file in its home, beside a manifest giving its level; their paths.
        An earlier edition is set aside until the ingest has read the new one. Safe to run
        again after a stop midway: a file already moved stays, one set aside is not set aside
        twice, and a file found nowhere gets a line saying so."""
        paths: list[str] = []
        for name in self.names:
            home = self._plain_home(name)
            waiting = self.folder / name
            if home is not None and _is_plain_file(waiting):
                home.parent.mkdir(parents=True, exist_ok=True)
                earlier = _set_aside(home)
                # The one set aside is the edition the catalogue holds: a home whose bytes it
                # does not hold (left by a stop) gives way to the new file, not to it.
                if _is_plain_file(home) and (
                    not _is_plain_file(earlier) or _is_taken(catalogue, home)
                ):
                    earlier.parent.mkdir(exist_ok=True)
                    os.replace(home, earlier)
                os.replace(waiting, home)
                with (home.parent / MANIFEST).open("w", newline="", encoding="utf-8") as handle:
                    csv.writer(handle).writerows([["file", "access"], [name, self.access]])
            if home is not None and _is_plain_file(home):
                paths.append(str(home))
            else:
                path = str(home or self.homes / name / name)
                self.add_line(
                    {"file": name, "path": path, "outcome": FAILED, "reason": LOST, "doc_id": None}
                )
        shutil.rmtree(self.folder, ignore_errors=True)
        return paths

    def settle(self, catalogue: Catalogue) -> None:
        """After the ingest: a new edition the library took in (indexed, or stored once as a
        duplicate: the catalogue holds these very bytes for its home) stays; otherwise (it
        could not be read, or the ingest stopped first) the earlier document is still the one
        in the index, so the earlier file goes back beside it. Decided by the catalogue, not
        this run's lines: a run carried on after a restart says a file read before the stop
        was skipped."""
        for name in self.names:
            home = self._plain_home(name)
            if home is not None:
                _settle_home(home, catalogue)

    def _take_line(self, catalogue: Catalogue) -> Callable[[dict[str, Any]], None]:
        """The run's callback for each file's line. Carried on after a restart, a file read
        before the stop keeps the line it had; one whose line was lost shows what the
        catalogue holds for it rather than 'skipped'."""

        def take(line: dict[str, Any]) -> None:
            if not self.resumed:
                self.add_line(line)
                return
            before = next(
                (n for n, old in enumerate(self.lines) if old.get("path") == line.get("path")),
                None,
            )
            if line.get("outcome") == SKIPPED:
                if before is not None:
                    return
                line = _as_known(catalogue, line)
            if before is None:
                self.add_line(line)
            else:
                self.lines[before] = fit_line(line)
                self.end_progress(line)
                self.save(True)

        return take

    def run(self, runner: Runner, ingest_lock: IngestLock, catalogue: Catalogue) -> None:
        """Wait for the ingest, move the files home, ingest them, settle the earlier editions."""
        with self.ingest_turn(ingest_lock):
            try:
                if self.state == "waiting":
                    # Again now: an upload that ran meanwhile may have used the same name.
                    # Not after a stop while running: the files had moved, the note was made.
                    self.note_replacements(catalogue)
                self.set_state("running")  # saved, with the note, before any file moves
                paths = self.move_home(catalogue)
                try:
                    if paths:
                        take = self.taking(self._take_line(catalogue))
                        self.summary = runner(paths, RunChoices(), take)
                finally:
                    self.settle(catalogue)
                self.set_state("finished")
            except Exception as error:
                log.exception("upload %s failed", self.id)
                self.set_state("failed", f"The ingest stopped: {error}")

    def own_record(self) -> dict[str, Any]:
        return {
            "access": self.access,
            "names": list(self.names),
            "checked": list(self.checked),
            "replaces": dict(self.replaces),
        }

    @classmethod
    def from_record(cls, data: dict[str, Any], uploads_dir: Path) -> UploadJob:
        """The upload a record describes, each field checked; its folders come from the
        uploads folder and its id, never from the record."""
        fields = read_job_fields(data, cls.kind)
        access = data.get("access")
        if access not in ACCESS_LEVELS:
            raise RecordError("its level is not one of the site's")
        names = read_texts(data.get("names"), MAX_NAME)
        for name in names:
            suffix = upload_type(name)
            if suffix is None or safe_file_name(name, suffix) != name:
                raise RecordError("a file name is not one the upload gives")
        if len(set(names)) != len(names):
            raise RecordError("a file name comes twice")
        replaces = data.get("replaces")
        if not isinstance(replaces, dict) or not set(replaces) <= set(names):
            raise RecordError("what it replaces is not for its own files")
        return cls(
            **fields,
            folder=uploads_dir / INCOMING / fields["id"],
            homes=uploads_dir / FILES,
            access=str(access),
            names=names,
            checked=read_lines(data.get("checked")),
            replaces={str(k): read_text(v) for k, v in replaces.items()},
        )

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
            "status": self.status(),
            "error": self.error,
            "notices": [
                *self.notices(),
                *(REPLACES.format(file=name, title=title) for name, title in self.replacing()),
            ],
            "kept": self.kept,
            "done": len(self.lines),
            "reading_now": self.reading_now(),
            "outcomes": [*self.checked, *self.lines],
        }


def _is_taken(catalogue: Catalogue, home: Path) -> bool:
    """Whether the library took in the bytes now at `home`: the catalogue's line for that path
    was read (or stored once) from exactly them."""
    known = catalogue.file(str(home))
    return known is not None and known.outcome in TAKEN and known.content_hash == _sha256(home)


def _as_known(catalogue: Catalogue, line: dict[str, Any]) -> dict[str, Any]:
    known = catalogue.file(str(line.get("path", "")))
    if known is None or known.outcome not in TAKEN:
        return line
    return {
        **line,
        "outcome": known.outcome,
        "reason": known.reason,
        "doc_id": known.doc_id,
        "pages": known.pages,
        "chunks": known.chunks,
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _is_plain_file(path: Path) -> bool:
    """A file, not a link to one (a link could lead the ingest out of the uploads folder)."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _set_aside(home: Path) -> Path:
    # A hidden folder: a scan of the uploads folder passes over it.
    return home.parent / ".earlier" / home.name


def _settle_home(home: Path, catalogue: Catalogue) -> bool:
    """The earlier edition set aside beside `home`, if any, settled by what the catalogue
    holds: deleted when the library took in the file now at home, else put back. Whether one
    was there."""
    earlier = _set_aside(home)
    if earlier.parent.is_symlink() or not _is_plain_file(earlier):
        return False
    if _is_plain_file(home) and _is_taken(catalogue, home):
        earlier.unlink()
    else:
        os.replace(earlier, home)
    with contextlib.suppress(OSError):  # another edition may be waiting in it
        earlier.parent.rmdir()
    return True


def settle_set_asides(uploads_dir: Path, catalogue: Catalogue) -> int:
    """Every earlier edition still set aside, settled as its upload would have settled it
    (`UploadJob.settle`): the upload's record may be gone (only the newest are kept) or
    unreadable, so nothing else would. Run with the ingest lock held, after the jobs carried
    on from before a restart, so no upload is between setting a file aside and settling it.
    How many were settled."""
    homes = uploads_dir / FILES
    if homes.is_symlink() or not homes.is_dir():
        return 0
    settled = 0
    for folder in sorted(homes.iterdir()):
        if folder.is_symlink() or not folder.is_dir():
            continue
        try:
            settled += _settle_home(folder / folder.name, catalogue)
        except OSError:
            log.exception("the earlier edition of %s could not be settled", folder.name)
    return settled


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
        return None, TOO_BIG.format(limit=max_bytes // (1024 * 1024))
    if size == 0:
        target.unlink(missing_ok=True)
        return None, EMPTY_FILE
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
    folder = uploads_dir / INCOMING / job_id
    folder.mkdir(parents=True, exist_ok=False)
    job = UploadJob(id=job_id, folder=folder, homes=uploads_dir / FILES, access=access)
    seen: dict[str, str] = {}
    names = job.names
    for upload in files:
        shown = _shown_name(upload.filename or "upload")
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


def is_upload(uploads_dir: Path, path: str) -> bool:
    """Whether `path` is an uploaded file's home on this site, named as it is: not a path
    outside the uploads folder, nor one that reaches it through `..` or a link."""
    if not path or "\x00" in path or not Path(path).is_absolute():
        return False
    given = Path(path)
    home = given.resolve()
    return home == given and home == _upload_home(uploads_dir / FILES, home.name)


def delete_uploads(uploads_dir: Path, paths: list[str]) -> int:
    """`delete_upload` for each path; how many were uploads. One that cannot be deleted (its
    folder's permissions, say) is logged and the others go on."""
    deleted = 0
    for path in paths:
        try:
            deleted += delete_upload(uploads_dir, path)
        except OSError:
            log.exception("deleting the upload %s failed", path)
    return deleted


def delete_upload(uploads_dir: Path, path: str) -> bool:
    """Delete the uploaded file stored at `path`, with the manifest beside it and their folder,
    and say whether `path` was one (True too if its file had already gone). Any other path is
    left alone and False (`is_upload`), and so is anything at a home that is not a plain
    file."""
    if not is_upload(uploads_dir, path):
        return False
    home = Path(path)
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


class UploadJobs(JobShelf[UploadJob]):
    """The uploads of this site, each ingested in turn on a worker thread; those a stop left
    unfinished carry on at the next start (`resume`)."""

    def start(
        self, job: UploadJob, runner: Runner, ingest_lock: IngestLock, catalogue: Catalogue
    ) -> None:
        self.keep(job)
        if job.kept == 0:
            shutil.rmtree(job.folder, ignore_errors=True)
            job.set_state("finished")
            return
        # Said before the worker starts, so the first page does not wait on it to know.
        job.set_queued(ingest_lock if ingest_lock.locked() else None)
        threading.Thread(
            target=job.run,
            args=(runner, ingest_lock, catalogue),
            name=f"upload-{job.id}",
            daemon=True,
        ).start()

    def resume(
        self,
        uploads_dir: Path,
        runner: Runner,
        ingest_lock: IngestLock,
        catalogue: Catalogue,
    ) -> list[tuple[float, Callable[[], None]]]:
        """Keep the uploads recorded before the site stopped; the work of those unfinished,
        each with when it was made (web.jobs.run_in_turn runs them in that order)."""
        works: list[tuple[float, Callable[[], None]]] = []
        for job in self.load(lambda data: UploadJob.from_record(data, uploads_dir)):
            job.resumed = True
            job.set_queued(ingest_lock)  # in turn, behind the work carried on before it
            job.save(False)
            works.append((job.created_at, partial(job.run, runner, ingest_lock, catalogue)))
        return works
