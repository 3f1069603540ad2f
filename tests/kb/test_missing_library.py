"""A mistyped KB_DATA_DIR is named, not taken for a new, empty library: the commands that read
a library refuse and create nothing; `kb ingest` still starts one."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kb.cli import app as cli

READERS = [
    ["search", "damp homes"],
    ["status"],
    ["status", "--json"],
    ["remove", "0123abcd"],
    ["retag"],
    ["reembed"],
    ["eval-tags", "labels.jsonl"],
]


@pytest.mark.parametrize("command", READERS, ids=lambda c: " ".join(c))
def test_a_command_that_reads_the_library_names_a_missing_one(
    tmp_path: Path, command: list[str]
) -> None:
    typo = tmp_path / "typo"
    result = CliRunner().invoke(cli, command, env={"KB_DATA_DIR": str(typo)})
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"There is no library in {typo}: check KB_DATA_DIR, or run `kb ingest` first."
    )
    assert not typo.exists()


def test_a_backup_of_a_missing_library_is_refused(tmp_path: Path) -> None:
    typo = tmp_path / "typo"
    result = CliRunner().invoke(
        cli, ["backup", str(tmp_path / "nightly")], env={"KB_DATA_DIR": str(typo)}
    )
    assert result.exit_code == 1 and "There is no library in" in result.output
    assert not typo.exists() and not (tmp_path / "nightly").exists()
