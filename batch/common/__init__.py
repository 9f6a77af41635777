"""Shared by every stage: CSV safety, logs, the progress display, file checks, private and
atomic files (``files``), the one timestamp form (``clock``), the reports the runs ask for
(``report_requests``), the command-line options several commands share (``cli_options``).

May import: ``errors``, ``models``.
"""
