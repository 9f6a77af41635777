"""``python -m batch`` is the same as the ``io-batch`` command."""

from batch.entry import main

raise SystemExit(main())
