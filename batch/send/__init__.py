"""The send run: producer, dispatch, journal (SQLite), results file and summary.

May import every stage before it: ``config``, ``input``, ``rules``, ``api``, ``common``.
"""
