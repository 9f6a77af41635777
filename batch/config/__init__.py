"""The job file (``jobs/*.toml``) as typed options and the state directory.

May import: ``errors``, ``models``, ``common``.
"""
