"""The files a run leaves behind, their layout, writers and readers: the results file
(``results_layout``: its columns; ``results_writer``: appended row by row; ``results_file``:
read back; ``results_target``: the target it was made on), the verification file
(``verification``), and the run summaries (``summary``: the one ``summary_path``, their
JSON and log line; ``run_summary``: send's and rerun's; ``verify_summary``: verify's).

Under ``input`` (a results file read back is an input: ``rerun``, and ``send`` given
one) and every command that writes or reads these files.

May import: ``errors``, ``models``, ``common``, ``config``.
"""
