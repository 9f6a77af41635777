"""Pure validation: every IO rule on a row (fiscal code, lengths, dates, amounts, templates)
and the messages built from valid rows.

May import: ``errors``, ``models``, ``config``, ``input``, ``common``.
"""
