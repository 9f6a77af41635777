"""The subscriptions feed: the local subscriber list (SQLite) and its daily sync.

May import every stage before it: ``config``, ``input``, ``rules``, ``api``, ``common``.
``send`` imports it (a send in feed mode looks its rows up here).
"""
