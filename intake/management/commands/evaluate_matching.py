import json
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake import matching

PAIRS = Path(settings.BASE_DIR) / "tests" / "intake" / "claim_pairs.json"


def load_pairs(path: Path) -> list[matching.Pair]:
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))["pairs"]
        pairs = [matching.Pair(**row) for row in rows]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CommandError(f"--pairs: cannot read {path}: {error}") from None
    unknown = {pair.label for pair in pairs} - set(matching.GOLD_LABELS)
    if unknown:
        raise CommandError(f"--pairs: unknown labels {sorted(unknown)} in {path}")
    return pairs


class Command(BaseCommand):
    help = (
        "Measure claim matching on the labelled claim pairs: precision and recall of "
        '"paraphrase" (the same claim) and of "related or paraphrase" (shown at all) at the '
        "thresholds in intake/matching.py, with the confusion table and the pairs it gets "
        "wrong; --choose prints the thresholds the tuning pairs would choose."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--pairs", type=Path, default=PAIRS, help=f"The labelled pairs (default {PAIRS})."
        )
        parser.add_argument(
            "--choose",
            action="store_true",
            help="Also choose thresholds on the pairs whose split is 'tune', and show what "
            "they would give.",
        )
        parser.add_argument(
            "--mistakes", action="store_true", help="List every pair labelled wrongly."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        pairs = load_pairs(options["pairs"])
        started = time.monotonic()
        evaluation = matching.evaluate(pairs)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"{len(pairs)} pairs, model {matching.MODEL_NAME}, scored in {elapsed:.1f}s "
            f"(model loaded in the same time)."
        )
        self.stdout.write(
            f"Thresholds: paraphrase at {matching.PARAPHRASE_AT}, related at "
            f"{matching.RELATED_AT}; lexical weight {matching.LEXICAL_WEIGHT}."
        )
        splits = sorted({pair.split for pair in pairs})
        for name, part in [("all", evaluation)] + [(s, evaluation.only(s)) for s in splits]:
            self.report(name, part)
        if options["mistakes"]:
            self.list_mistakes(evaluation)
        if options["choose"]:
            paraphrase_at, related_at = matching.choose_thresholds(evaluation.only("tune"))
            self.stdout.write(
                f"\nChosen on the tuning pairs: paraphrase at {paraphrase_at}, "
                f"related at {related_at}."
            )
            chosen = matching.Evaluation(
                scored=evaluation.scored, paraphrase_at=paraphrase_at, related_at=related_at
            )
            for name in splits:
                self.report(f"{name}, chosen thresholds", chosen.only(name), table=False)

    def report(self, name: str, evaluation: matching.Evaluation, *, table: bool = True) -> None:
        precision, recall = evaluation.paraphrase
        shown_precision, shown_recall = evaluation.related_or_paraphrase
        self.stdout.write(f"\n{name} ({len(evaluation.scored)} pairs)")
        self.stdout.write(
            self.style.SUCCESS(
                f"  paraphrase:            precision {precision:.3f}  recall {recall:.3f}"
            )
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"  related or paraphrase: precision {shown_precision:.3f}  "
                f"recall {shown_recall:.3f}"
            )
        )
        if not table:
            return
        confusion = evaluation.confusion()
        width = max(len(label) for label in matching.GOLD_LABELS) + 2
        self.stdout.write(
            "  labelled \\ judged".ljust(22)
            + "".join(label.rjust(width) for label in matching.GOLD_LABELS)
        )
        for gold in matching.GOLD_LABELS:
            self.stdout.write(
                f"  {gold}".ljust(22)
                + "".join(
                    str(confusion[(gold, guess)]).rjust(width) for guess in matching.GOLD_LABELS
                )
            )

    def list_mistakes(self, evaluation: matching.Evaluation) -> None:
        self.stdout.write("\nMistakes (labelled → judged, score, semantic, lexical, contrast):")
        for item in evaluation.mistakes():
            j = item.judgement
            self.stdout.write(
                f"  [{item.pair.split}] {item.pair.label} → {evaluation.predicted(item)}  "
                f"{j.score:.2f} {j.semantic:.2f} {j.lexical:.2f} {j.contrast or '-'}\n"
                f"      {item.pair.a}\n      {item.pair.b}"
            )
