"""``python -m tests.benchmarks``: every benchmark, one table (see run_all)."""

import sys

from .run_all import main

sys.exit(main())
