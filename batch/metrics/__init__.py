"""The run's figures for Prometheus: pushed to a Pushgateway and/or written for
node-exporter's textfile collector, at the end of every ``send`` and ``rerun``.

May import: ``errors``, ``models``, ``common``, ``config``. Never a stage: it reads a
finished run's summary, as the scheduler's monitoring would.
"""
