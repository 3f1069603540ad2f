"""Command line: `kb ingest | serve | search | status | remove | eval | users`. Results go to
stdout, progress and logs to stderr; heavy imports stay inside each command so `kb --help` is
instant."""

from __future__ import annotations

import gc
import importlib
import json
import logging
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import SecretStr

from kb.accounts import users_app
from kb.config import load_settings, require_library

if TYPE_CHECKING:
    from search.library import Library, LibraryStatus
    from search.models.encoder import Encoder, LazyEncoder
    from search.schema import RunChoices
    from search.settings import Settings

__all__ = [
    "app",
    "backup",
    "eval_tags",
    "evaluate",
    "ingest",
    "main",
    "reembed",
    "remove",
    "restore",
    "retag",
    "search",
    "serve",
    "status",
]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Evidence Finder: search local research evidence by page.",
)
log = logging.getLogger("kb")
app.add_typer(users_app, name="users")


def _open_library(settings: Settings, busy_ok: bool = False) -> Library:
    """The library, or a plain message and exit 1 when it cannot open; with `busy_ok`, a store
    another process owns raises StoreBusyError for the caller to hand the work over."""
    from search.evidence.determinants import TaxonomyError
    from search.evidence.places import PlaceError
    from search.library import Library
    from search.models.encoder import ModelIntegrityError
    from search.store.base import StoreBusyError, StoreError

    require_library(settings)
    try:
        return Library.open(settings)
    except (StoreError, ModelIntegrityError, TaxonomyError, PlaceError) as error:
        if busy_ok and isinstance(error, StoreBusyError):
            raise
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None


def _open_for_ingest(
    settings: Settings, targets: list[Path], choices: RunChoices, report: Path | None
) -> Library | None:
    """Open the index, or hand the job to the running site that owns it (then exit)."""
    from kb.handoff import hand_over, running_site
    from search.evidence.determinants import TaxonomyError
    from search.evidence.places import PlaceError
    from search.library import Library
    from search.models.encoder import ModelIntegrityError
    from search.store.base import StoreBusyError, StoreError

    try:
        return Library.open(settings)
    except StoreBusyError as error:
        url = running_site(settings)
        if url is None:
            typer.echo(str(error), err=True)
            raise typer.Exit(1) from None
        stamp = time.strftime("%Y%m%d-%H%M%S")
        report = report or settings.data_dir / "reports" / f"ingest-{stamp}.jsonl"
        raise typer.Exit(hand_over(settings, url, targets, choices, report)) from None
    except (StoreError, ModelIntegrityError, TaxonomyError, PlaceError) as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="More log lines")] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )


@app.command()
def ingest(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="PDF files or folders (default: corpus/)")
    ] = None,
    prune: Annotated[bool, typer.Option(help="Withdraw documents whose file has gone")] = False,
    report: Annotated[Path | None, typer.Option(help="Write one JSON line per file here")] = None,
    retry_failed: Annotated[bool, typer.Option(help="Try again files that failed before")] = False,
    reread: Annotated[
        bool,
        typer.Option(
            help="Read again unchanged files already indexed, so this version's reading rules"
            " reach them (links to them keep working)"
        ),
    ] = False,
) -> None:
    """Add new and changed files to the index; unchanged files are skipped (unless --reread)."""
    from kb.ingesting import run_ingest
    from search.schema import RunChoices

    settings = load_settings()
    targets = paths or [settings.corpus_dir]
    missing = [p for p in targets if not p.exists()]
    if missing:
        typer.echo(f"Not found: {', '.join(map(str, missing))}", err=True)
        raise typer.Exit(2)
    # Batch encoding gains from a second thread; the query path stays on one.
    settings = settings.model_copy(
        update={
            "model": settings.model.model_copy(update={"threads": settings.model.ingest_threads})
        }
    )
    choices = RunChoices(prune=prune, retry_failed=retry_failed, reread=reread)
    library = _open_for_ingest(settings, targets, choices, report)
    if library is None:
        return
    try:
        code = run_ingest(library, targets, choices, report)
    finally:
        library.close()
    raise typer.Exit(code)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in plain words")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    page: Annotated[int, typer.Option(min=1)] = 1,
    mode: Annotated[str | None, typer.Option(help="hybrid, dense or sparse")] = None,
    determinant: Annotated[
        list[str] | None, typer.Option(help="Only evidence on this determinant (repeatable)")
    ] = None,
) -> None:
    """Search the index and print documents with their best passages."""
    from search.schema import Filters
    from web.highlight import WordMatcher, query_stems
    from web.paging import past_last_page
    from web.search_form import SearchForm
    from web.views import passage_json, results_json, scanned_pages, sections_of, shown_excerpt

    # The site's own rule, so a search the site refuses is refused here too.
    problem = SearchForm(q=query).problem
    if problem:
        typer.echo(problem, err=True)
        raise typer.Exit(2)
    if mode not in (None, "hybrid", "dense", "sparse"):
        typer.echo("--mode must be hybrid, dense or sparse", err=True)
        raise typer.Exit(2)
    library = _open_library(load_settings())
    try:
        taxonomy = library.index.tagging.taxonomy if library.index.tagging else None
        unknown = [d for d in determinant or [] if taxonomy and d not in taxonomy.ids]
        if unknown:
            typer.echo(
                f"Unknown determinant: {', '.join(unknown)}. Choose from: "
                f"{', '.join(taxonomy.ids if taxonomy else [])}",
                err=True,
            )
            raise typer.Exit(2)
        filters = Filters(determinants=tuple(determinant or ()))
        results = library.searcher.search(query, filters, page=page, mode=mode)  # type: ignore[arg-type]
    finally:
        library.close()
    # Each passage shown as the site shows it: its part around the words searched for.
    stems = WordMatcher(query_stems(query))
    if as_json:
        typer.echo(json.dumps(results_json(results, None, stems), indent=2))
        return
    past = past_last_page(page, results.page_count, items=results.total)
    if past is not None:
        # The site's rule for a page past the last: say so, not that nothing matches.
        typer.echo(f"{past.message} Ask for --page {past.last_page} or lower.")
        return
    if not results.documents:
        typer.echo(f"No documents match '{query}'.")
        return
    if not results.strong_total:
        typer.echo(
            f"No strong matches for '{query}'. These are the closest documents, "
            "but they may not answer your question."
        )
    if not results.strong_total and results.places_asked:
        typer.echo(
            f"You asked about {' or '.join(results.places_asked)}. Documents about other places "
            "are weak matches."
        )
    if results.unused_words:
        listed = ", ".join(f"'{w}'" for w in results.unused_words)
        typer.echo(f"No document uses {listed}: check the spelling, or try other words.")
    if results.suggested_query:
        typer.echo(f"Did you mean: {results.suggested_query}")
    floor = "at least " if results.is_total_capped else ""
    if results.is_closest_only:
        typer.echo("Nothing uses your words or is close to them in meaning. The closest:")
    else:
        typer.echo(
            f"Showing {results.first}–{results.last} of {floor}{results.total} documents for "
            f"'{query}' ({results.strong_total} strong)"
        )
    for result in results.documents:
        d = result.document
        typer.echo(
            f"\n{result.rank}. [{result.strength}] {d.meta.title} "
            f"({d.meta.organisation or 'unknown'}, {d.meta.year or 'n.d.'})"
        )
        typer.echo(f"   {d.file_name}  id={d.doc_id}")
        # A Word file or web page is cited by its sections, as the site cites it.
        sections, scanned = sections_of(d), scanned_pages(d)
        for p in result.passages:
            shown = shown_excerpt(passage_json(d.doc_id, p, sections, scanned), stems)
            notes = (", read from a scan" if shown["is_ocr"] else "") + (
                "" if shown["reads_as_prose"] else ", laid out as a table or chart"
            )
            typer.echo(f"   [{shown['where_all']}{notes}] {' '.join(shown['text'].split())}")


# Outcomes that need nobody's attention: `kb status` lists the files of every other one.
_FINE = ("indexed", "skipped")
# More files than any library holds: a larger number is refused plainly, not passed to SQLite.
_MOST_FILES = 10_000_000


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    outcome: Annotated[
        str | None, typer.Option(help="List only files with this outcome, e.g. failed.")
    ] = None,
    # 50: the admin status page's page size (search.library.STATUS_FILES), kept literal here
    # so `kb --help` need not import the search package.
    limit: Annotated[
        int, typer.Option(min=1, max=_MOST_FILES, help="Files to list (per outcome).")
    ] = 50,
    offset: Annotated[
        int, typer.Option(min=0, max=_MOST_FILES, help="Files to pass over first.")
    ] = 0,
    show_all: Annotated[bool, typer.Option("--all", help="List every file.")] = False,
) -> None:
    """Show what is indexed, how many files have each outcome, and the files that need
    attention (or one outcome's files, with --outcome), a page at a time."""
    from kb.ingesting import status_report
    from kb.reporting import outcome_line
    from search.library import LibraryStatus

    listed = None if show_all else limit
    library = _open_for_status(load_settings())
    view = library if isinstance(library, LibraryStatus) else library.status_view()
    try:
        data = status_report(view, outcome, offset, listed)
        if outcome is not None and outcome not in data["file_counts"]:
            known = ", ".join(data["file_counts"]) or "none yet"
            typer.echo(f"No file has the outcome {outcome!r}. Outcomes: {known}.", err=True)
            raise typer.Exit(2)
        # Without --outcome the lines list what needs attention: each such outcome's files, a
        # page of them read on its own (the counts and summary above serve every outcome).
        needing = {name: n for name, n in data["file_counts"].items() if name not in _FINE}
        pages = (
            [data]
            if as_json or outcome is not None
            else [
                view.file_page(name, count, offset, listed, outcome_line)
                for name, count in needing.items()
            ]
        )
    finally:
        library.close()
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(f"Documents: {data['documents']}  pages: {data['pages']}  chunks: {data['chunks']}")
    typer.echo(f"Model: {data['model']}")
    last: dict[str, Any] | None = data["last_run"]
    if last:
        typer.echo(
            f"Last ingest: {last['finished']}  "
            + ", ".join(
                f"{k} {last[k]}" for k in ("indexed", "skipped", "duplicates", "failed", "removed")
            )
        )
    counts = ", ".join(f"{name} {n}" for name, n in data["file_counts"].items())
    typer.echo(f"Files: {data['total_files']}" + (f" ({counts})" if counts else ""))
    if data["read_by_older_rules"]:
        typer.echo(
            f"Read by an earlier version: {data['read_by_older_rules']} file(s), at most about"
            f" {max(1, round(data['read_by_older_rules_seconds'] / 60))} min to read again with"
            " this version's rules: kb ingest --reread (or from the admin status page)."
        )
    for page in pages:
        for f in page["files"]:
            typer.echo(f"  {f['outcome']:<22} {f['file']}: {f['reason']}")
        if page["next_offset"] is not None:
            rest = page["listed"] - page["next_offset"]
            typer.echo(
                f"  … and {rest} more {page['outcome']}: kb status --outcome {page['outcome']}"
                f" --offset {page['next_offset']} (or --all)"
            )


def _open_for_status(settings: Settings) -> Library | LibraryStatus:
    """The library; or, while a running site (or another command) owns the store, its
    catalogue alone, which holds all that `kb status` shows."""
    from search.library import LibraryStatus
    from search.store.base import active_collection

    require_library(settings)
    if settings.qdrant.mode == "embedded":
        from search.store.folder import is_store_dir_locked

        if is_store_dir_locked(settings.store_dir / active_collection(settings)):
            return LibraryStatus.open(settings)
    return _open_library(settings)


@app.command()
def remove(doc_id: Annotated[str, typer.Argument(help="The document id shown by search")]) -> None:
    """Take one document out of the library for good (the site's Withdraw keeps it). While the
    site runs, it is asked to do it."""
    from kb.handoff import hand_over_removal, running_site
    from search.curation import CurationError, clear_deleted_traces, delete_document
    from search.store.base import StoreBusyError
    from web.uploads import delete_uploads

    settings = load_settings()
    try:
        library = _open_library(settings, busy_ok=True)
    except StoreBusyError as error:
        url = running_site(settings)
        if url is None:
            typer.echo(str(error), err=True)
            raise typer.Exit(1) from None
        raise typer.Exit(hand_over_removal(settings, url, doc_id)) from None
    try:
        try:
            _record, paths = delete_document(library.store, library.catalogue, doc_id)
        except CurationError:
            typer.echo(f"No document with id {doc_id}.", err=True)
            raise typer.Exit(1) from None
        # As the site's Delete for good does: a copy uploaded on the site goes too.
        uploads = delete_uploads(settings.uploads_dir, paths)
        typer.echo(f"Removed {doc_id}." + (" Its uploaded copy was deleted." if uploads else ""))
        typer.echo("Clearing its words from the index files…")
        kept = clear_deleted_traces(library.store, library.catalogue)
        if kept is None:
            typer.echo("The Qdrant server clears them by its own vacuum settings (README).")
        else:
            typer.echo(f"Done: the index files hold only the {kept:,} passages in the library.")
    finally:
        library.close()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
) -> None:
    """Serve the site and the JSON API."""
    import uvicorn

    from kb.handoff import make_ingest_runner
    from search.interpreter_lock import share_the_lock_often
    from search.models.encoder import LazyEncoder
    from search.retrieval.read_ahead import ReadAhead

    settings = load_settings()
    share_the_lock_often()
    # The model loads while the store opens (both spend most of it outside the interpreter
    # lock, and there are two cores), so the first search need not wait for it. Not in a
    # daemon thread: the process waits for it however `serve` ends (refused, stopped). Ended
    # under the model's own threads while it loaded, it aborted: "terminate called without an
    # active exception", exit code 134 (a `kb serve` refused a busy index: 3 of 4 tries).
    encoder = LazyEncoder(settings.model, settings.data_dir / "models")
    threading.Thread(target=_load_model, args=(encoder,)).start()
    # So do the site's own modules (most of a second): the engine's process opens the index
    # meanwhile, which takes seconds at 300,000 chunks, and this process only waits for it.
    importing = threading.Thread(target=_import_site)  # waited for, like the model
    importing.start()
    library = _open_library_for_site(settings, encoder)
    importing.join()
    from web.admin import announce_site, prepare_admin_token, withdraw_site
    from web.app import create_app, server_options

    host = host or settings.web.host
    port = port or settings.web.port
    token = prepare_admin_token(settings.data_dir, _secret(settings.web.admin_token))
    settings = settings.model_copy(
        update={"web": settings.web.model_copy(update={"admin_token": SecretStr(token)})}
    )
    runner = make_ingest_runner(library) if library is not None else None
    application = create_app(settings, library=library, ingest_runner=runner)
    local = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    announce_site(settings.data_dir, f"http://{local}:{port}")
    reader = None
    warming = None
    if library is not None:
        # Load the model while the server starts, so the first search is not the slow one (not
        # a daemon either, for the same reason).
        warming = threading.Thread(target=_warm_up, args=(library,))
        warming.start()
        if settings.match.read_ahead:
            reader = ReadAhead(library.searcher.table, library.store, library.catalogue)
            application.state.read_ahead = reader
            reader.start()
    typer.echo(f"Evidence Finder on http://{host}:{port}", err=True)
    # uvicorn stops gracefully on SIGTERM (docker stop, systemd), then raises the signal again
    # with the handler it found. The default one ended the process there, before the `finally`
    # below: the library was never closed and the site never withdrawn. This one ends it
    # through the `finally`.
    signal.signal(signal.SIGTERM, _exit_when_told)
    try:
        uvicorn.run(
            application, host=host, port=port, log_level="warning", **server_options(settings)
        )
    finally:
        if warming is not None:
            warming.join()  # it reads the library closed below (a stop just after a start)
        withdraw_site(settings.data_dir)
        if reader is not None:
            reader.stop()
        if library is not None:
            library.close()


def _exit_when_told(signum: int, frame: object) -> None:
    raise SystemExit(0)  # a stop asked for is a clean end


def _import_site() -> None:
    """Import the web site's modules, so that `serve` finds them loaded. Should one fail, the
    import in `serve` raises the same error (a module whose import failed is not kept)."""
    try:
        for name in ("web.admin", "web.app"):
            importlib.import_module(name)
    except Exception:
        log.debug("the site's modules could not be imported ahead", exc_info=True)


def _load_model(encoder: LazyEncoder) -> None:
    try:
        encoder.load()
    except Exception:
        # The warm-up after the site opens reports it (and /healthz says why).
        log.debug("the model could not be loaded ahead of the site", exc_info=True)


def _open_library_for_site(settings: Settings, encoder: Encoder | None = None) -> Library | None:
    """The library, or None when it cannot open: the site then says so on /healthz and every
    page. Another process owning the index is not that: the site cannot start beside it."""
    from search.library import Library
    from search.store.base import StoreBusyError

    try:
        # Evidence an older rule chose is chosen again once the site is up (web.app).
        return Library.open(
            settings,
            encoder,
            refresh_evidence=False,
            engine_process=settings.qdrant.engine_process,
        )
    except StoreBusyError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    except Exception as error:
        typer.echo(f"The site starts without its index: {error}", err=True)
        return None


def _warm_up(library: Library) -> None:
    """Load what searches need before the first arrives: the model, the word list spelling
    suggestions read (every search asks it whether its words are known: about a quarter of a
    second that the first search paid itself), the cross-encoder that checks answers; then
    put all of it out of the garbage collector's way."""
    from search.retrieval.spelling import default_speller

    try:
        library.encoder.encode_queries(["warm up"])
    except Exception:
        # /healthz reports the model's failure; searches show a plain error page.
        log.exception("the model could not be loaded")
    try:
        default_speller(library.searcher.speller_names)
    except (OSError, ValueError):
        # Searches go on without suggestions (the searcher logs it at each try).
        log.exception("the spelling word list could not be read")
    answers = library.searcher.answers
    if answers is not None:
        try:
            answers.scorer.score("warm up", ["warm up"])
        except Exception:
            # A question then fails as a model failure does; /healthz reports the encoder.
            log.exception("the cross-encoder that checks answers could not be loaded")
    settle_memory()


# The collector's youngest generation is collected once this many more objects were made than
# freed. A search makes and drops thousands (hits, payloads, matches), so at Python's 700 the
# collector ran about four times a search, each time walking the search's own lists (0.5 ms a
# search at 300k chunks), and every 30 searches or so a full collection walked what was made
# since start (the chunk table's columns: 16-40 ms at once, 0.5-1.3 ms a search on average).
# At 10,000 it runs about once in a hundred searches; cyclic garbage is freed a little later.
YOUNG_COLLECTED_AT = 10_000


def settle_memory() -> None:
    """Put what the site has loaded for its whole life (modules, templates, the model, the
    app) out of the garbage collector's way: a full collection walked all of it, about 30 ms
    at a time, twice in every 160 searches at 300k chunks (the searches' p95 tail; with this,
    0.2 ms). Objects made later are collected as before, less often (`YOUNG_COLLECTED_AT`)."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTED_AT, older, oldest)


@app.command()
def backup(
    path: Annotated[Path, typer.Argument(help="A new (or empty) folder for the backup")],
) -> None:
    """Copy the library (vectors, catalogue, uploaded files and accounts) to a folder outside
    the data folder; works while the site runs."""
    from kb.backups import run_backup

    raise typer.Exit(run_backup(load_settings(), path))


@app.command()
def restore(
    path: Annotated[Path, typer.Argument(help="A folder made by 'kb backup'")],
) -> None:
    """Put a backup in place of the library (stop the site first); what it replaces is kept
    aside."""
    from kb.backups import run_restore

    raise typer.Exit(run_restore(load_settings(), path))


@app.command()
def reembed(
    force: Annotated[
        bool,
        typer.Option(
            help="Re-embed even when the library already uses the configured model (to cut the"
            " documents again after changing KB_CHUNKS__*)"
        ),
    ] = False,
) -> None:
    """After changing KB_MODEL__NAME: rebuild the vectors with that model beside the old ones,
    then switch searches to them once complete (restart the site afterwards)."""
    from kb.reembedding import ReembedError, reembed
    from search.evidence.determinants import TaxonomyError
    from search.evidence.places import PlaceError
    from search.models.encoder import ModelIntegrityError
    from search.store.base import StoreError

    settings = load_settings()
    if settings.qdrant.mode == "memory":
        typer.echo("Nothing to re-embed: KB_QDRANT__MODE is memory.", err=True)
        raise typer.Exit(2)
    require_library(settings)
    settings = settings.model_copy(
        update={
            "model": settings.model.model_copy(update={"threads": settings.model.ingest_threads})
        }
    )
    done = 0

    def show(record: Any) -> None:
        nonlocal done
        done += 1
        typer.echo(f"{done:>5} {record.file_name}", err=True)

    try:
        name = reembed(settings, on_document=show, force=force)
    except (ReembedError, StoreError, ModelIntegrityError, TaxonomyError, PlaceError) as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"Searches now use the collection {name} ({settings.model.name}). "
        "Restart the site to use it; the old collection is kept until you delete it.",
        err=True,
    )


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value else None


def main() -> None:
    app()


@app.command("eval")
def evaluate(
    beir_dir: Annotated[
        Path, typer.Argument(help="A BEIR folder: corpus.jsonl, queries.jsonl, qrels/")
    ],
    k: Annotated[int, typer.Option(help="Cut-off for nDCG")] = 10,
    stage: Annotated[
        list[str] | None,
        typer.Option(
            help="dense, sparse, hybrid-rrf, hybrid-dbsf, default (all if none), default+rerank"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    max_queries: Annotated[int | None, typer.Option(help="Score only the first N queries")] = None,
) -> None:
    """Score retrieval on a BEIR collection: nDCG@k and recall@100 for each stage."""
    from kb.evaluating import run_eval

    settings = load_settings()
    try:
        rows = run_eval(settings, beir_dir, k=k, stages=stage, max_queries=max_queries)
    except ValueError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps({"collection": beir_dir.name, "results": rows}, indent=2))
        return
    typer.echo(f"{beir_dir.name}: {int(rows[0]['queries']) if rows else 0} queries")
    typer.echo(f"{'stage':<16}{'nDCG@' + str(k):>10}{'recall@100':>12}{'p50 ms':>9}{'p95 ms':>9}")
    for row in rows:
        typer.echo(
            f"{row['stage']:<16}{row[f'ndcg@{k}']:>10.4f}{row['recall@100']:>12.4f}"
            f"{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
        )


@app.command()
def retag() -> None:
    """Re-tag every stored chunk with determinants and places, without re-embedding."""
    from kb.tagging import RetagError, run_retag

    library = _open_library(load_settings())
    try:
        count = run_retag(library)
    except RetagError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    finally:
        library.close()
    typer.echo(f"Re-tagged {count} chunks.")


@app.command("eval-tags")
def eval_tags(
    labels: Annotated[Path, typer.Argument(help="JSON lines: file, page, determinants")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    missing_as_empty: Annotated[
        bool, typer.Option(help="Score labelled pages that are not indexed as tagged with nothing")
    ] = False,
    pdfs: Annotated[
        list[Path] | None,
        typer.Option(
            help="Tag the labelled pages now, read from the PDFs in this folder (repeat for more "
            "folders), instead of reading the tags stored in the index"
        ),
    ] = None,
) -> None:
    """Score determinant tags against a labelled set of pages."""
    from kb.eval.tags import LabelError
    from kb.tagging import evaluate_tags, evaluate_tags_from_pdfs

    if pdfs:
        try:
            report = evaluate_tags_from_pdfs(load_settings(), labels, pdfs, missing_as_empty)
        except (LabelError, OSError) as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(2) from None
    else:
        library = _open_library(load_settings())
        try:
            report = evaluate_tags(library, labels, missing_as_empty)
        except (LabelError, OSError) as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(2) from None
        finally:
            library.close()
    if report.missing:
        typer.echo(f"{len(report.missing)} labelled page(s) are not in the index.", err=True)
    if as_json:
        typer.echo(json.dumps({**report.as_dict(), "labels": str(labels)}, indent=2))
    else:
        typer.echo(report.format_text())
