"""The evidence domain: determinants, places, tagging, summaries and evidence ranking.

- `datafile`: reads and checks the YAML data files (taxonomy, gazetteer);
- `determinants`: the taxonomy (package data) and the tagger that labels chunks;
- `places`: the gazetteer (package data) and finding place names in text;
- `tagging`: tags a document's chunks as it is indexed;
- `strength`: each document's strongest passage per determinant;
- `ranking`: evidence per determinant, strongest and newest, local work first;
- `summary`: the sentences that best represent a document.
"""

__all__ = ["datafile", "determinants", "places", "ranking", "strength", "summary", "tagging"]
