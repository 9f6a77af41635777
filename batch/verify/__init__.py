"""``io-batch verify``: the post-send check of a results file.

May import: ``config``, ``input``, ``rules``, ``api``, ``common``.
"""
