"""The IO API: the target (``target``: which URL, which key, the embedded sandbox), the
client, the one limiter, the stop gate, the one retry loop (``retry``), the one run loop
of send, verify and the feed sync (``run_loop``), and, pure, the wire format (``wire``)
and the classification of every answer.

May import: ``errors``, ``models``, ``identifiers``, ``config``, ``input``, ``rules``,
``common``; the ``sandbox`` only inside ``target``'s functions (a sandbox job's URL and key).
"""
