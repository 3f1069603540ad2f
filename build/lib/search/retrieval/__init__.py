"""Reading the index: hybrid search, reranking, grouping and related evidence."""
