"""The IO API: the client, the one limiter, the stop gate, the one retry loop (``retry``),
the one run loop of send, verify and the feed sync (``run_loop``), and, pure, the wire
format (``wire``) and the classification of every answer.

May import: ``errors``, ``models``, ``config``, ``rules``, ``common``.
"""
