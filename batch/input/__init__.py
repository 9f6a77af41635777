"""The recipient file in: encodings, header, separator, whole-file integrity, and rows of
strings with their physical line numbers; a results file read back (``results_file``).

May import: ``errors``, ``config``, ``common`` (and ``rules.fiscal_code``, a standard-library
leaf, to tell a header-less file: tests/unit/test_architecture.py names this one exception).
"""
