"""Benchmarks of io-batch against the performance targets (not part of the test run).

Run them all with ``.venv/bin/python -m tests.benchmarks [--quick]`` from the repo root.
"""
