"""Shared by every stage: CSV safety, logs, the progress display, file checks.

Imports nothing of io-batch but ``errors`` and ``models``.
"""
