"""Lets `python -m kb` run the command line."""

from kb.cli import main

main()
