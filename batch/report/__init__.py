"""The campaign report: one self-contained HTML file from a results file (or a rerun chain),
its run summaries, the job's journal and, when given, the verification file.

Comes after send and verify (it reads their files); nothing imports it but ``arguments.py``
and the ``[output] report = true`` hook at the end of ``send`` and ``verify``.
"""
