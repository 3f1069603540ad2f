"""Offline evaluation harnesses behind `kb eval` and `kb eval-tags`.

- `beir`: nDCG@k and recall@100 on BEIR-format collections;
- `tags`: precision, recall and F1 of determinant tags on labelled pages;
- `resample`: the bootstrap over whole pages or documents that the scoring tools share;
- `tag_pages`: labelled pages read straight from their PDFs (no index needed);
- `tag_tuning`: tagger settings chosen by cross-validation grouped by document;
- `metadata`: metadata read from documents alone, scored against a manifest;
- `label_agreement`: how far a second labeller agrees with the first, beside the tagger;
- `taxonomy_ablation`: a taxonomy's edits reverted one at a time, scored by grouped CV;
- `summaries`: every document's summary worked out again from its stored chunks, beside the
  stored one.
"""

__all__ = [
    "beir",
    "label_agreement",
    "metadata",
    "resample",
    "summaries",
    "tag_pages",
    "tag_tuning",
    "tags",
    "taxonomy_ablation",
]
