"""``io-batch verify``: the post-send check of a results file (the verification file it
writes and its summary are ``output``'s).

May import: ``errors``, ``models``, ``identifiers``, ``common``, ``config``, ``output``,
``input``, ``rules``, ``api`` (never ``send``: it reads a results file, whoever wrote it).
"""
