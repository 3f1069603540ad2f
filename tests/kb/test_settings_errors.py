"""Bad settings stop every command (the site's too) with one plain line naming the variable,
never a traceback: values pydantic-settings cannot decode as JSON, unreadable files, and
thresholds that contradict each other."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.cli import app as cli


def _run(args: list[str], env: dict[str, str]) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, args, env=env)
    lines = [line for line in result.output.splitlines() if line.strip()]
    return result.exit_code, lines


BAD = [
    ("KB_OPS__METRICS_CLIENTS", "notjson", "not valid JSON"),
    ("KB_INGEST__ROOTS", "notalist", "not valid JSON"),
    ("KB_ACCESS__FOLDERS", "garbage", "not valid JSON"),
    ("KB_OPS", "x", "not valid JSON"),
    ("KB_SEARCH__SYNONYMS_PATH", "/nonexistent/synonyms.txt", "cannot read"),
    ("KB_SEARCH__SYNONYMS_PATH", "BINARY", "not a text file"),
    ("KB_SEARCH__SYNONYMS_PATH", "BADLINE", "synonyms line 1"),
    ("KB_MATCH__STRONG_COSINE", "0.3", "cannot be below KB_MATCH__MIN_COSINE"),
    ("KB_MATCH__STRONG_COSINE_WITH_WORDS", "0.3", "cannot be below KB_MATCH__MIN_COSINE"),
]


@pytest.mark.parametrize("command", [["search", "housing"], ["status"], ["serve"]])
@pytest.mark.parametrize(("name", "value", "says"), BAD)
def test_a_bad_setting_is_one_plain_line_naming_it(
    tmp_path: Path, command: list[str], name: str, value: str, says: str
) -> None:
    if value == "BINARY":
        (tmp_path / "binary").write_bytes(bytes(range(128, 256)))
        value = str(tmp_path / "binary")
    elif value == "BADLINE":
        (tmp_path / "synonyms.txt").write_text("a line with no equals sign\n")
        value = str(tmp_path / "synonyms.txt")
    data = tmp_path / "data"
    code, lines = _run(command, {"KB_DATA_DIR": str(data), name: value})
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith("Setting KB_") and name in lines[0] and says in lines[0]
    assert not data.exists()  # nothing was opened, let alone created


def test_a_bad_value_in_the_env_file_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("KB_INGEST__ROOTS=corpus\n")
    code, lines = _run(["status"], {"KB_DATA_DIR": str(tmp_path / "data")})
    assert code == 2
    assert lines == [
        "Setting KB_INGEST__ROOTS (in .env): not valid JSON (Expecting value); "
        'write it as JSON, e.g. ["first", "second"]'
    ]


def test_a_list_written_as_json_is_read(tmp_path: Path) -> None:
    from kb.config import undecodable_settings

    good = {"KB_INGEST__ROOTS": '["/srv/a"]', "KB_WEB__ALLOWED_HOSTS": "a.org,b.org"}
    assert list(undecodable_settings(good)) == []
    bad = {"KB_INGEST__ROOTS": "/srv/a", "KB_DATA_DIR": "not json either", "OTHER": "x"}
    assert [name for name, _ in undecodable_settings(bad)] == ["KB_INGEST__ROOTS"]
