"""Matcher benchmarks on public data: `python benchmarks/run.py [--quick]` (see run.py)."""
