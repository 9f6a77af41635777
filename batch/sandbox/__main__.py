"""``python -m batch.sandbox``: the sandbox on its own, with the ``io-batch sandbox`` options."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from batch.errors import ConfigError
from batch.sandbox.cli_args import add_sandbox_arguments, serve_from_args


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m batch.sandbox",
        description="Serve the IO API simulator on 127.0.0.1 until Ctrl-C.",
    )
    add_sandbox_arguments(parser)
    args = parser.parse_args(argv)
    try:
        serve_from_args(args)
    except ConfigError as error:
        print(f"sandbox: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it shut down on
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
