"""How well the mention classifier guesses kind and sentiment, on a labelled sample.

    .venv/bin/python bench/mentions_accuracy.py [--sample tests/fixtures/mentions_labelled.json]

The sample is short, hand-labelled mentions of a product (questions, problems, praise, ideas
and other news; negative, neutral and positive). Prints the accuracy of each guess, the
per-class recall and a confusion table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sample", default=str(ROOT / "tests/fixtures/mentions_labelled.json"))
    args = parser.parse_args()
    import django

    django.setup()
    from mentions import classify

    rows = json.loads(Path(args.sample).read_text())
    for field in ("kind", "sentiment"):
        right = 0
        confusion: Counter = Counter()
        for row in rows:
            guess = classify.guess("", row["text"])
            got = getattr(guess, field)
            confusion[(row[field], got)] += 1
            right += got == row[field]
        labels = sorted({row[field] for row in rows})
        print(f"\n{field}: {right}/{len(rows)} right = {right / len(rows):.1%}")
        print("| labelled \\ guessed | " + " | ".join(labels) + " | recall |")
        print("|---" * (len(labels) + 2) + "|")
        for label in labels:
            total = sum(n for (want, _), n in confusion.items() if want == label)
            cells = [str(confusion[(label, other)]) for other in labels]
            print(f"| {label} | " + " | ".join(cells) + f" | {confusion[(label, label)] / total:.0%} |")


if __name__ == "__main__":
    main()
