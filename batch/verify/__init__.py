"""``io-batch verify``: the post-send check of a results file (the verification file it
writes and its summary are ``output``'s).

May import every stage before it but ``send`` and ``shards``: ``config``, ``output``,
``input``, ``rules``, ``api``, ``common``.
"""
