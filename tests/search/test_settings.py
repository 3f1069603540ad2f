"""Settings: bad values fail with a usable message; .env.example stays in step with the class."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import MagicMock

import pytest
from pydantic import BaseModel, ValidationError
from qdrant_client import QdrantClient

from search.settings import ClusterSettings, Settings
from search.store.base import CollectionLayout
from search.store.server import ServerStore

ROOT = Path(__file__).resolve().parents[2]


def _names(model: type[BaseModel], prefix: str = "KB_") -> set[str]:
    names: set[str] = set()
    for field, info in model.model_fields.items():
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            names |= _names(kind, f"{prefix}{field.upper()}__")
        else:
            names.add(f"{prefix}{field.upper()}")
    return names


def test_env_example_lists_every_setting() -> None:
    text = (ROOT / ".env.example").read_text()
    listed = {line.lstrip("# ").split("=")[0] for line in text.splitlines() if "=" in line}
    assert _names(Settings) == listed


def test_server_mode_without_url_is_refused_with_the_variable_name() -> None:
    with pytest.raises(ValidationError, match="KB_QDRANT__URL"):
        Settings(qdrant={"mode": "server"})  # type: ignore[arg-type]


def test_overlap_must_be_smaller_than_chunk() -> None:
    with pytest.raises(ValidationError, match="OVERLAP"):
        Settings(chunks={"max_words": 50, "overlap_words": 50})  # type: ignore[arg-type]


def test_nested_settings_come_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_SEARCH__FUSION", "dbsf")
    monkeypatch.setenv("KB_MODEL__NAME", "all-minilm-l6-v2")
    settings = Settings()
    assert settings.search.fusion == "dbsf" and settings.model.name == "all-minilm-l6-v2"


def test_allowed_hosts_and_base_url_come_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_WEB__ALLOWED_HOSTS", " Evidence.Example.org , *.council.gov.uk,")
    monkeypatch.setenv("KB_WEB__BASE_URL", "https://evidence.example.org/finder")
    web = Settings().web
    assert web.allowed_hosts == ["evidence.example.org", "*.council.gov.uk"]
    assert str(web.base_url) == "https://evidence.example.org/finder"


def test_a_base_url_that_is_not_a_web_address_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_WEB__BASE_URL", "javascript:alert(1)")
    with pytest.raises(ValidationError, match="base_url"):
        Settings()


def test_cluster_write_consistency_cannot_exceed_the_copies() -> None:
    with pytest.raises(ValidationError, match="KB_CLUSTER__WRITE_CONSISTENCY_FACTOR"):
        Settings(cluster={"replication_factor": 1, "write_consistency_factor": 2})


def test_a_new_server_collection_is_spread_as_the_cluster_settings_say() -> None:
    client = MagicMock(spec=QdrantClient)
    client.collection_exists.return_value = False
    cluster = ClusterSettings(shard_number=6, replication_factor=2, write_consistency_factor=2)
    ServerStore(client, "evidence", cluster=cluster).ensure_collection(
        CollectionLayout(model_id="m", dimension=4)
    )
    spread = client.create_collection.call_args.kwargs
    assert (spread["shard_number"], spread["replication_factor"]) == (6, 2)
    assert spread["write_consistency_factor"] == 2


def test_a_strong_match_cannot_need_less_than_a_match() -> None:
    from search.settings import MatchSettings

    below_match = r"KB_MATCH__STRONG_COSINE_WITH_WORDS .*KB_MATCH__MIN_COSINE"
    below_words = r"KB_MATCH__STRONG_COSINE \(.*KB_MATCH__STRONG_COSINE_WITH_WORDS"
    with pytest.raises(ValidationError, match=below_match):
        MatchSettings(min_cosine=0.6, strong_cosine_with_words=0.5)
    with pytest.raises(ValidationError, match=below_words):
        MatchSettings(min_cosine=0.6, strong_cosine_with_words=0.65, strong_cosine=0.62)
    equal = MatchSettings(min_cosine=0.6, strong_cosine_with_words=0.6, strong_cosine=0.6)
    assert (equal.strong_cosine_with_words, equal.strong_cosine) == (0.6, 0.6)


def test_a_strong_cosine_set_before_the_words_rule_still_means_cosine_alone() -> None:
    from search.settings import MatchSettings

    # KB_MATCH__STRONG_COSINE=0.67 from an older .env, with nothing said about words.
    old = MatchSettings(strong_cosine=0.67)
    assert old.strong_cosine_with_words == old.strong_cosine == 0.67
    assert MatchSettings(strong_cosine=0.75).strong_cosine_with_words == 0.68
    with pytest.raises(ValidationError, match=r"KB_MATCH__STRONG_COSINE \(0.3\) cannot be below"):
        MatchSettings(strong_cosine=0.3)


def test_a_synonyms_file_is_checked_when_settings_are_read(tmp_path: Path) -> None:
    from search.settings import SearchSettings

    good = tmp_path / "synonyms.txt"
    good.write_text("hmo = house in multiple occupation\n")
    assert SearchSettings(synonyms_path=good).synonyms_path == good
    (tmp_path / "binary").write_bytes(b"\xff\xfe\x00")
    for path, says in (
        (tmp_path / "missing.txt", "cannot read"),
        (tmp_path, "cannot read"),
        (tmp_path / "binary", "not a text file"),
    ):
        with pytest.raises(ValidationError, match=says):
            SearchSettings(synonyms_path=path)


def test_searches_at_once_fit_where_the_engine_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().search.concurrent_searches == 4  # the engine in its own process
    monkeypatch.setenv("KB_QDRANT__ENGINE_PROCESS", "false")
    assert Settings().search.concurrent_searches == 2  # one lock for every search
    monkeypatch.setenv("KB_SEARCH__CONCURRENT_SEARCHES", "4")
    assert Settings().search.concurrent_searches == 4  # set by hand: kept
    monkeypatch.delenv("KB_SEARCH__CONCURRENT_SEARCHES")
    assert Settings(qdrant={"mode": "memory"}).search.concurrent_searches == 4  # type: ignore[arg-type]
