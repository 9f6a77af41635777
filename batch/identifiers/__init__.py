"""The identifiers every stage checks the same way, as standard-library leaves: what a
fiscal code looks like (format, check character, the sandbox's), what an IO message id
looks like (a ULID), and how IO sees text (which characters are blanks, how long a
string is).

May import: nothing of io-batch (the standard library only).
"""
