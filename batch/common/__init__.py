"""Shared by every stage: CSV safety, logs, the progress display, file checks, private and
atomic files (``files``), the one timestamp form (``clock``), the run summaries' ending,
the command-line options several commands share (``cli_options``).

Imports nothing of io-batch but ``errors`` and ``models``.
"""
