"""The campaign report: one self-contained HTML file from a results file (or a rerun chain),
its run summaries, the job's journal and, when given, the verification file.

Comes after send and verify (it reads their files); nothing imports it but the app layer:
``arguments.py`` (the command) and ``cli.py``, which makes the reports the runs of ``send``
and ``verify`` asked for (``[output] report = true``) once the command returned.

May import: ``errors``, ``models``, ``common``, ``config``, ``output``, ``journal``,
``input``.
"""
