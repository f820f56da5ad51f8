from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from intake.evaluation import CORPUS_DIR, evaluate, format_report, load_corpus, measure_speed


class Command(BaseCommand):
    help = (
        "Score quote extraction against the labelled corpus (tests/intake/corpus/): precision "
        "and recall overall, per kind, language, set and rule, and speaker accuracy, as the "
        "Markdown tables docs/intake.md shows. --misses lists every miss; --speed times a "
        "1,500-word article with speaker matching against 5,000 sources."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--corpus", type=Path, default=CORPUS_DIR, help="The labelled corpus.")
        parser.add_argument("--misses", action="store_true", help="List every miss.")
        parser.add_argument(
            "--set",
            choices=["dev", "held-out-1", "held-out-2"],
            help="Only the articles of this set.",
        )
        parser.add_argument(
            "--speed", action="store_true", help="Also time extraction and speaker matching."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["corpus"]
        if not directory.is_dir():
            raise CommandError(f"No corpus at {directory}.")
        articles = load_corpus(directory)
        if options["set"]:
            articles = [a for a in articles if a.split == options["set"]]
        if not articles:
            raise CommandError(f"No labelled articles in {directory}.")
        self.stdout.write(f"Scoring {len(articles)} labelled articles…")
        report = evaluate(articles)
        self.stdout.write(format_report(report, misses=options["misses"]))
        if options["speed"]:
            speed = measure_speed(articles)
            self.stdout.write(
                f"\nA {speed.words}-word article with {speed.statements} statements: extraction "
                f"{speed.extract_ms:.0f} ms, matching its {speed.speakers} speakers against "
                f"{speed.sources} sources {speed.match_ms:.0f} ms (index built once: "
                f"{speed.index_ms:.0f} ms; best of {speed.runs} runs)."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Precision {report.overall.precision:.2f}, recall {report.overall.recall:.2f}, "
                f"speaker right {report.speaker_accuracy:.0%}."
            )
        )
