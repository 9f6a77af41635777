"""``io-batch validate``: the dry run and its printed summary (the error report it writes
and the duplicates it counts are ``rules``', shared with the send's guard).

May import: ``errors``, ``models``, ``identifiers``, ``common``, ``config``, ``input``,
``rules`` (never ``api``: it calls nothing).
"""
