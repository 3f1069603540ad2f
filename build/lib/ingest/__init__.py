"""Files to pages to chunks to vectors, written through the search package's index API."""
