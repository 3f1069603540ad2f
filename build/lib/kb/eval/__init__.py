"""Offline evaluation harnesses behind `kb eval` and `kb eval-tags`."""
