"""Reading the index: hybrid search, reranking, grouping and related evidence.

- `searcher`: answers a query (encode, fused candidates, grouped by document);
- `matching`: which passages match at all, for exact totals and filter counts;
- `strong_matches`: which matching documents answer well ("strong");
- `answer_check`: whether a question's strong documents answer it (the cross-encoder reads it);
- `asked_places`: the places a question names, and which documents are about them;
- `word_pull`: whether a word the first strong passages lack pulls the search away from them;
- `spelling`: "Did you mean …?" for words no document uses;
- `chunk_table`: each matched chunk's document and counted values, kept in columns;
- `passages`: a stored chunk cut into the passage a person sees, with its page;
- `query_vectors`: query vectors kept for the questions asked last;
- `read_ahead`: a running site's background reading of the chunk table;
- `headings`: which lines of a passage are headings run into the sentence under them;
- `sentences`: where a sentence stops, the one rule passages and headings use;
- `rerank`: the optional cross-encoder stage;
- `related`: "more like this" for a document or a passage.
"""

__all__ = [
    "answer_check",
    "asked_places",
    "chunk_table",
    "headings",
    "matching",
    "passages",
    "query_vectors",
    "read_ahead",
    "related",
    "rerank",
    "searcher",
    "sentences",
    "spelling",
    "strong_matches",
    "word_pull",
]
