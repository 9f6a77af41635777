"""The IO API: the client, the one limiter, the stop gate, and the pure classification of
every answer.

May import: ``errors``, ``models``, ``config``, ``rules``, ``common``.
"""
