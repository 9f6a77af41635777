"""``[pilot] input``: the small file ``io-batch pilot`` sends to colleagues first.

PagoPA's advice for a mass send: send the message to a few colleagues, have them check
every field, correct and repeat until nothing changes. The pilot file is in the
campaign's own columns, with the colleagues' real fiscal codes and sample values; the
pilot sends it with the campaign's templates (README, "From trial to live").
"""

from __future__ import annotations

import os
from pathlib import Path

from batch.config.toml_table import Table


def parse_pilot_section(section: Table, base: Path) -> Path | None:
    """The pilot file, relative to the job file's folder (``base``); None: no pilot."""
    value = section.optional_str("input")
    section.done()
    return None if value is None else Path(os.path.normpath(base / value))
