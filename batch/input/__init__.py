"""The recipient file in: encodings, header, separator, whole-file integrity, and rows of
strings with their physical line numbers.

May import: ``errors``, ``config``, ``common``.
"""
