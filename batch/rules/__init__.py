"""Pure validation: every IO rule on a row (fiscal code, lengths, dates, amounts, templates)
and the messages built from valid rows; the duplicates (``duplicates``) and the error
report of the rows refused (``error_report``), which ``validate`` and the send's guard
both use.

May import: ``errors``, ``models``, ``identifiers``, ``config``, ``input``, ``common``.
"""
