"""The built wheel works on its own: installed outside the source tree, `kb` starts and its
taxonomy, gazetteer and synonyms load as package data (no editable install, no corpus/)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.pdfs import write_pdf

ROOT = Path(__file__).resolve().parents[2]


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def install_wheel(tmp_path: Path) -> Path:
    """A venv that holds only the wheel; the heavy dependencies come from the test's venv."""
    # Build from a copy: setuptools writes build/ beside the sources it builds.
    source = tmp_path / "source"
    top_level = {".git", ".venv", "data", "build", "dist", "evidence_finder.egg-info"}

    def leave_out(folder: str, names: list[str]) -> set[str]:
        here = set(names) & top_level if Path(folder) == ROOT else set()
        return here | ({"node_modules"} & set(names))

    shutil.copytree(ROOT, source, ignore=leave_out)
    dist = tmp_path / "dist"
    built = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", str(dist), str(source)],
        cwd=tmp_path, env=dict(os.environ),
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(dist.glob("evidence_finder-*.whl"))
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp_path, dict(os.environ))
    site = next((venv / "lib").glob("python3*/site-packages"))
    installed = run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(site), str(wheel)],
        cwd=tmp_path, env=dict(os.environ),
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-2000:]
    # A plain path line: the test venv's packages without its editable-install hook.
    (site / "zz-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin" / "python"


def test_installed_wheel_answers_help_and_a_search_from_package_data(tmp_path: Path) -> None:
    python = install_wheel(tmp_path)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "KB_"))}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", KB_DATA_DIR=str(work / "data"))

    where = run([str(python), "-c", "import search; print(search.__file__)"], work, env)
    assert where.returncode == 0, where.stderr[-2000:]
    assert str(ROOT) not in where.stdout, "the wheel's own files must be imported"

    helped = run([str(python), "-m", "kb", "--help"], work, env)
    assert helped.returncode == 0, helped.stderr[-2000:]
    assert "ingest" in helped.stdout and "search" in helped.stdout

    folder = work / "papers"
    write_pdf(
        folder / "damp.pdf",
        [
            "Damp and mould in cold private rented homes in Loughborough harm children's "
            "lungs; landlords were offered grants for insulation and new boilers."
        ],
        title="Damp homes in Loughborough",
    )
    ingested = run([str(python), "-m", "kb", "ingest", str(folder)], work, env)
    assert ingested.returncode == 0, ingested.stderr[-3000:]

    found = run([str(python), "-m", "kb", "search", "mould in rented homes", "--json"], work, env)
    assert found.returncode == 0, found.stderr[-3000:]
    results = json.loads(found.stdout)
    first = results["documents"][0]
    assert first["title"] == "Damp homes in Loughborough"
    # Tags need the packaged taxonomy and gazetteer.
    assert "housing" in json.dumps(first)

    # The wheel carries no npm packages: the site serves them from KB_WEB__ASSETS_DIR.
    assets = ROOT / "web" / "frontend" / "node_modules"
    if not (assets / "govuk-frontend").is_dir():
        return  # nothing to point at in this checkout (`make install` fetches them)
    served = run([str(python), "-c", SERVE_CSS], work, {**env, "KB_WEB__ASSETS_DIR": str(assets)})
    assert served.returncode == 0, served.stderr[-2000:]
    assert served.stdout.split() == ["200"]
    missing = run([str(python), "-c", SERVE_CSS], work, env)
    assert missing.returncode == 0, missing.stderr[-2000:]
    assert missing.stdout.split() == ["404"]
    assert "KB_WEB__ASSETS_DIR" in missing.stderr  # the warning says what to set


# Builds the site (no library: its lifespan is not started) and asks for GOV.UK's stylesheet.
SERVE_CSS = """
from fastapi.testclient import TestClient
from search.settings import Settings
from web.app import create_app
app = create_app(Settings(web={"allowed_hosts": ["testserver"]}))
print(TestClient(app).get("/assets/govuk-frontend.min.css").status_code)
"""
