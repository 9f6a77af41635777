"""The send run (``send``, ``rerun``, ``errata``'s send): producer, the row action (profile
check then submit), dispatch, pace and quiet hours, the guard, the approval check, and the
run's end (``run_output``: the results file rewritten from the input and the journal).

May import: ``errors``, ``models``, ``identifiers``, ``common``, ``config``, ``output``,
``journal``, ``metrics``, ``input``, ``rules``, ``api``, ``feed``, ``shards``.
"""
