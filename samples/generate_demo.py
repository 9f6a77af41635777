"""Regenerate samples/demo.csv: a few hundred realistic rows, some of them wrong on purpose.

    python samples/generate_demo.py > samples/demo.csv

Seeded, so the file (and the sandbox's verdict on each citizen) is the same every time.
"""

from __future__ import annotations

import csv
import random
import sys

from batch.fiscal_code import generate

NAMES = ["Mario", "Giulia", "Luca", "Francesca", "Marco", "Chiara", "Paolo", "Sara", "Anna"]
ROWS = 240


def main() -> None:
    rng = random.Random(2026)
    out = csv.writer(sys.stdout, delimiter=";", lineterminator="\n")
    out.writerow(["codice_fiscale", "nome", "anno", "importo", "scadenza", "codice_avviso"])
    out.writerow(
        ["AAAAAA00A00A000A", "Tester", "2026", "12,50", "16/12/2026", "302000100000009424"]
    )
    for index in range(ROWS):
        code = generate(rng)
        amount = f"{rng.randint(40, 900)},{rng.randint(0, 99):02d}"
        notice = "3" + "".join(rng.choice("0123456789") for _ in range(17))
        row = [code, rng.choice(NAMES), "2026", amount, "16/12/2026", notice]
        if index % 40 == 7:
            row[0] = code[:-1] + ("A" if code[-1] != "A" else "B")  # a typo: bad check character
        elif index % 40 == 19:
            row[0] = "  " + code.lower() + " "  # padded, lower case: normalised, still valid
        elif index % 40 == 23:
            row[5] = row[5][:-1]  # notice number one digit short
        elif index % 40 == 31:
            row[4] = "31/02/2026"  # no such day
        out.writerow(row)
        if index % 60 == 11:
            out.writerow(row)  # the same citizen and content twice: a duplicate


if __name__ == "__main__":
    main()
