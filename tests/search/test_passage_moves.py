"""Matching an earlier edition's passages to the newest one's (search.passage_moves)."""

from __future__ import annotations

from search.passage_moves import PassageText, match_passages

DAMP = "Damp and mould in private rented homes are reported most in the winter months."
COLD = "Cold homes raise the risk of falls and of heart and lung illness in older residents."
BUSES = "Rural bus routes were cut by a third, and villages lost their only service to town."


def _passage(chunk_id: str, text: str, start: int = 1, end: int | None = None) -> PassageText:
    return PassageText(chunk_id, text, start, start if end is None else end)


def test_each_old_passage_goes_to_the_new_one_with_its_words() -> None:
    old = [_passage("1", DAMP), _passage("2", COLD, 2)]
    new = [_passage("11", COLD, 2), _passage("12", DAMP + " " + BUSES, 1, 2)]
    assert match_passages(old, new) == {"1": "12", "2": "11"}


def test_a_passage_that_moved_pages_is_still_found() -> None:
    # A new version of the file with a page added before it.
    assert match_passages(
        [_passage("1", DAMP, 3)], [_passage("9", BUSES, 3), _passage("8", DAMP, 4)]
    ) == {"1": "8"}


def test_a_rewritten_or_dropped_passage_has_no_counterpart() -> None:
    old = [_passage("1", DAMP), _passage("2", "   ")]
    assert match_passages(old, [_passage("9", BUSES)]) == {"1": None, "2": None}
    assert match_passages(old, []) == {"1": None, "2": None}


def test_a_passage_kept_under_its_own_id_is_not_moved() -> None:
    assert match_passages([_passage("1", DAMP)], [_passage("1", DAMP)]) == {}


def test_the_largest_share_wins_and_half_is_enough() -> None:
    half = " ".join(DAMP.split()[:8])
    old = [_passage("1", DAMP)]
    assert match_passages(old, [_passage("8", half), _passage("9", DAMP)]) == {"1": "9"}
    words = DAMP.split()
    assert match_passages(old, [_passage("7", " ".join(words[: len(words) // 2 - 1]))]) == {
        "1": None
    }


def test_pages_are_read_from_a_payload_and_bad_values_are_ignored() -> None:
    read = PassageText.from_payload("5", {"text": DAMP, "page": 3, "page_end": 4})
    assert (read.page_start, read.page_end) == (3, 4)
    odd = PassageText.from_payload("6", {"text": None, "page": "x", "page_end": True})
    assert (odd.text, odd.page_start, odd.page_end) == ("", 0, 0)


def test_comparing_with_every_new_passage_stops_at_its_budget(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import search.passage_moves

    # Pages moved, so each old passage is compared with every new one: two new passages a
    # time, and a budget for one such search only.
    monkeypatch.setattr(search.passage_moves, "MAX_FALLBACK_PAIRS", 2)
    old = [_passage("1", DAMP, 1), _passage("2", COLD, 1)]
    new = [_passage("8", DAMP, 5), _passage("9", COLD, 6)]
    assert match_passages(old, new) == {"1": "8", "2": None}
