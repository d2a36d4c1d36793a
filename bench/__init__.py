"""Benchmarks, outside the test run: `make bench` (see bench/run.py)."""
