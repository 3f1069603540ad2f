"""Whether a question's strong matches answer it, by the packaged cross-encoder.

The embedding model cannot tell a passage about the same thing from one that answers: "how
many registered childminders are there in West Sussex" finds a childcare passage at a cosine
as high as answered questions reach. A cross-encoder reads the question and the passage
together. It is too slow to read every strong document (about 60-120 ms a pair here), so it
reads only what decides whether a search has any answer at all:

- only questions (a question word first, or a question mark), and topic phrases of at least
  `answer_phrase_words` words ("average broadband download speeds in rural villages north of
  Chichester"): the model was trained on web searches, questions and phrases alike. A sentence
  (a statement ending with a full stop, such as SciFact's claims) is not checked: on those
  the model marks a third of the relevant abstracts as not answering. A short topic search
  ("damp homes", "energy bills and the cost of living") asks for documents on a subject, not
  for a fact a document may lack, and is not checked either;
- only when the closest strong document is under `answer_check_below` in meaning: above it
  the tuning data held few searches without an answer;
- the closest passage of each of the first `answer_checks` strong documents in the order the
  page lists them: the first listed first, and, when the model does not read it as answering
  (`answer_bar`), the others side by side. (Until the twenty-first session the documents were
  taken closest in meaning first; the ranking's order, which weighs the query's words too,
  kept as many near misses quiet and more answered questions strong on every set measured.)

When none does, the search has no strong match: the page says so and lists the same documents
as the closest. The ranking is untouched. Scores are remembered per question and passage text
(not per passage id, so an edited passage is read again), for the pages and filters of one
search.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from search.models.encoder import PairScorer
from search.settings import MatchSettings
from search.store.base import Store

__all__ = ["QUESTION_WORDS", "AnswerCheck", "is_checked", "is_question", "reads"]

log = logging.getLogger(__name__)

# Words a question starts with ("how many …", "is fluoride added …", "can I …").
# fmt: off
QUESTION_WORDS = frozenset([
    "how", "what", "which", "who", "whom", "whose", "when", "where", "why", "whats", "hows",
    "is", "are", "was", "were", "do", "does", "did", "can", "could", "should", "would", "will",
    "has", "have", "had", "am", "may", "might", "must", "shall",
])
# fmt: on
_FIRST_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# Question and passage texts remembered, with their scores.
_REMEMBERED = 1024
# Passages after the closest read at once (the machine this is tuned for has 2 cores).
_READERS = 2


def is_question(query: str) -> bool:
    """Whether a search is asked as a question: its first word is a question word, or it ends
    with a question mark."""
    first = _FIRST_WORD.search(query)
    word = first.group(0).lower().replace("'", "").replace("’", "") if first else ""
    return word in QUESTION_WORDS or query.rstrip().endswith("?")


def is_checked(query: str, phrase_words: int) -> bool:
    """Whether the answer check reads a search: a question, or, with `phrase_words` above 0,
    a phrase of at least that many words that does not end as a sentence does."""
    if is_question(query):
        return True
    text = query.strip()
    return 0 < phrase_words <= len(text.split()) and not text.endswith(".")


def reads(query: str, settings: MatchSettings) -> bool:
    """Whether the check is on and reads a search like `query` (`is_checked`)."""
    return settings.answer_checks > 0 and is_checked(query, settings.answer_phrase_words)


class AnswerCheck:
    """Reads a question's closest strong passages with a pair scorer (see the module's
    docstring); thread-safe, scores remembered."""

    def __init__(self, scorer: PairScorer) -> None:
        self.scorer = scorer
        # Shared by every search, so a burst of searches never starts more model calls than
        # this at once for its second and later passages.
        self._readers = ThreadPoolExecutor(max_workers=_READERS, thread_name_prefix="answer")
        self._scores: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()

    def is_answered(
        self,
        query: str,
        first: Sequence[tuple[str, float]],
        store: Store,
        settings: MatchSettings,
        closest: float,
    ) -> bool:
        """Whether a search's strong documents answer it. `first` holds the closest passage
        (its id and cosine) of the first strong documents, in the order they are listed;
        `closest` is the highest cosine of any strong document's passages. True without
        reading when none are strong, the closest is close enough, or the check does not read
        such a search (`reads`: it is off, or the search is no question and no long phrase)."""
        if not first or closest >= settings.answer_check_below or not reads(query, settings):
            return True
        ids = [chunk_id for chunk_id, _ in first[: settings.answer_checks]]
        texts = {hit.id: hit.text for hit in store.retrieve(ids, fields=("text",))}
        read = [texts[chunk_id] for chunk_id in ids if texts.get(chunk_id)]
        try:
            if not read or self.score(query, read[0]) >= settings.answer_bar:
                return bool(read)
            # The closest did not answer: the others are read side by side (one model call
            # a core), not one after another.
            scores = self._readers.map(lambda text: self.score(query, text), read[1:])
            return any(score >= settings.answer_bar for score in list(scores))
        except Exception:
            # A model that cannot be loaded or run leaves strength to the rule alone: the
            # search is answered as before the check, never with an error page.
            log.exception("the cross-encoder could not check an answer; strength by the rule")
            return True

    def score(self, query: str, text: str) -> float:
        """The scorer's score of one passage's text for the query, remembered."""
        key = (query, text)
        with self._lock:
            if key in self._scores:
                self._scores.move_to_end(key)
                return self._scores[key]
        # Outside the lock: two searches may score at once (each model call is thread-safe).
        score = self.scorer.score(query, [text])[0]
        with self._lock:
            self._scores[key] = score
            while len(self._scores) > _REMEMBERED:
                self._scores.popitem(last=False)
        return score
