"""The subscriptions feed: the local subscriber list (SQLite) and its daily sync.

May import: ``errors``, ``models``, ``common``, ``config``, ``output``, ``input``,
``rules``, ``api``. ``send`` imports it (a send in feed mode looks its rows up here).
"""
