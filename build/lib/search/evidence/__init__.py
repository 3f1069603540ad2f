"""The evidence domain: determinants, places, tagging, summaries and evidence ranking."""
