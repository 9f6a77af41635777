"""``io-batch validate``: the dry run, its printed summary and its error report.

May import: ``config``, ``input``, ``rules``, ``common`` (never ``api``: it calls nothing).
"""
