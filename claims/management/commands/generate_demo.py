import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from changelog.writes import write_transaction
from claims.tooling import dataset, demo_data


class TextProgress:
    """A one-line progress bar per stage; on a pipe, one line per finished stage."""

    def __init__(self, stream: OutputWrapper, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.live = stream.isatty()
        self.started = time.monotonic()

    def __call__(self, stage: str, done: int, total: int) -> None:
        finished = done >= total
        if not self.live and not finished:
            return
        filled = self.width if not total else self.width * done // total
        elapsed = time.monotonic() - self.started
        line = f"{stage:<15} [{'#' * filled}{'.' * (self.width - filled)}] {done:>7}/{total:<7} {elapsed:6.1f}s"
        self.stream.write(("\r" if self.live else "") + line, ending="\n" if finished else "")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Add a generated newsroom-scale desk (fictional parties, sources, disputes, accounts, "
        "claims, evidence and score history) with bulk inserts, then recompute every score once. "
        "The same --seed gives the same data, dated back from today."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = demo_data.Sizes()
        for name, meaning in (
            ("disputes", "disputes, each with 2 or 3 parties' accounts"),
            ("claims", "claims, spread over the accounts"),
            ("corroborations", "pieces of evidence, spread unevenly over the claims"),
            ("sources", "sources: officials, outlets (some copying a wire), experts, documents…"),
        ):
            default = getattr(defaults, name)
            parser.add_argument(
                f"--{name}",
                type=int,
                default=default,
                help=f"How many {meaning} (default {default}).",
            )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")

    def handle(self, *args: Any, **options: Any) -> None:
        sizes = demo_data.Sizes(
            disputes=options["disputes"],
            claims=options["claims"],
            corroborations=options["corroborations"],
            sources=options["sources"],
        )
        started = time.monotonic()
        try:
            # The generator bulk-inserts change log entries itself, into a
            # database that may be in use: queue behind the other writers
            # first, so that the entries commit in id order.
            with write_transaction():
                counts = demo_data.generate(
                    sizes=sizes, seed=options["seed"], progress=TextProgress(self.stdout)
                )
            dataset.refresh_planner_statistics()
        except ValidationError as error:
            raise CommandError(
                "; ".join(
                    f"--{name}: {' '.join(messages)}"
                    for name, messages in error.message_dict.items()
                )
            ) from None
        elapsed = time.monotonic() - started
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data generated in {elapsed:.1f}s: {summary}."))
