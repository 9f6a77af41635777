"""The send run: producer, the row action (profile check then submit), dispatch, journal
(SQLite), results file and summary.

May import every stage before it: ``config``, ``input``, ``rules``, ``api``, ``common``.
"""
