"""The job file (``jobs/*.toml``) as typed options, the secrets and the state directory,
and the start-up every command shares (``prepare``).

May import: ``errors``, ``models``, ``common``.
"""
