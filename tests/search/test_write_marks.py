"""A write mark holds until a write begins, and none is given while a write is under way."""

from __future__ import annotations

import pytest

from search.store.write_marks import WriteMarks


def test_a_mark_holds_until_a_write_begins() -> None:
    marks = WriteMarks()
    first = marks.mark()
    assert first is not None and marks.holds(first)
    with marks.writing():
        assert not marks.holds(first)
    assert not marks.holds(first)
    second = marks.mark()
    assert second is not None and second != first and marks.holds(second)


def test_no_mark_is_given_while_a_write_is_under_way() -> None:
    marks = WriteMarks()
    with marks.writing():
        assert marks.mark() is None
        with marks.writing():
            assert marks.mark() is None
        assert marks.mark() is None
    assert marks.mark() is not None


def test_a_write_that_fails_is_still_counted_and_ends() -> None:
    marks = WriteMarks()
    before = marks.mark()
    assert before is not None
    with pytest.raises(RuntimeError), marks.writing():
        raise RuntimeError("the engine refused the write")
    after = marks.mark()
    assert after is not None and not marks.holds(before)
