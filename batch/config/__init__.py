"""The job file (``jobs/*.toml``) as typed options, the secrets and the state directory.

May import: ``errors``, ``models``, ``common``.
"""
