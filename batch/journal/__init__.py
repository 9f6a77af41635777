"""The journal: the durable record of a job on one target (SQLite), which no message is
ever sent twice without. Its schema and statements (``sql``), the read-write journal a
run holds under the job's lock (``journal``), which journal a run opens for its target
(``target``), which files are a job's journals (``names``), and the looks other
commands take into a journal without its lock (``looks``). Every reader of a journal
goes through here.

May import: ``errors``, ``models``, ``common``, ``config``.
"""
