"""``python -m batch`` is the same as the ``io-batch`` command."""

from batch.cli import main

raise SystemExit(main())
