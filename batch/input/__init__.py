"""The recipient file in: encodings, header, separator, whole-file integrity, and rows of
strings with their physical line numbers, a results file read back as an input (its
layout is ``output.results_layout``).

May import: ``errors``, ``models``, ``identifiers`` (a header line that holds a fiscal code
is data, not column names), ``output`` (a results file's layout), ``config``, ``common``.
"""
