"""The recipient file in: encodings, header, separator, whole-file integrity, and rows of
strings with their physical line numbers; a results file read back (``results_file``).

May import: ``errors``, ``models``, ``identifiers`` (a header line that holds a fiscal code
is data, not column names), ``config``, ``common``.
"""
