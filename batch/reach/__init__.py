"""``io-batch reach``: who can be reached on IO, asked with profile checks alone.

It runs ``send``'s own machinery (``send.pipeline.SendRun``) with a row action of its
own (``check_action.CheckProfileOnly``, the profile check alone): the same rate budget
and limiter, retries, failure budget, not-registered guard, Stop gate, journal and
resume, and never a submit. Its output is a reach CSV and a summary with the share
reachable, the figure an office needs to plan paper mail for everyone else.

May import: ``errors``, ``models``, ``common``, ``config``, ``output``, ``journal``,
``input``, ``rules``, ``api``, ``send``.
"""
