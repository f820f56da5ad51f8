"""
How the dashboard draws its numbers: the geometry of the inline SVG charts
(the credibility gauge and the score sparkline), labels and times. Drawing
only: the numbers themselves come from the services, their words from
selectors/plain_words.py.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from claims.models import Scored, Stance, Verdict
from claims.selectors import scoring_constants

from ..selectors.plain_words import two_places

register = template.Library()

# The gauge is a half circle, score 0 at the left end, 1 at the right.
CX, CY, RADIUS = 50.0, 50.0, 42.0
# The sparkline's drawing box (its viewBox), with room for the end dot.
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 120.0, 32.0, 3.0


def _clamp(value: float) -> float:
    return min(max(float(value), 0.0), 1.0)


def _point(score: float, radius: float = RADIUS) -> tuple[float, float]:
    angle = math.pi * _clamp(score)
    return CX - radius * math.cos(angle), CY - radius * math.sin(angle)


def arc_path(start: float, end: float) -> str:
    (x1, y1), (x2, y2) = _point(start), _point(end)
    return f"M {x1:.2f} {y1:.2f} A {RADIUS:.0f} {RADIUS:.0f} 0 0 1 {x2:.2f} {y2:.2f}"


# Each drawing is handed to the template as its finished SVG shapes: on an
# overview of forty gauges and sparklines, resolving and localizing every
# coordinate in the template was most of the page's rendering time.


@dataclass(frozen=True)
class Gauge:
    shapes: str  # SVG: the band arcs, their edges' ticks, the value arc, the tip of the needle
    score: str
    weight: str  # the evidence weight the score rests on
    unverified: bool  # no evidence counts: drawn dashed and hollow


# The ticks at the bands' edges cross the arc (its stroke is 9 wide); their
# labels sit inside the half circle, where nothing else is drawn.
TICK_INNER, TICK_OUTER, TICK_LABEL = 35.0, 49.0, 27.0


def _edge_marks(edge: float) -> str:
    (x1, y1), (x2, y2) = _point(edge, TICK_INNER), _point(edge, TICK_OUTER)
    lx, ly = _point(edge, TICK_LABEL)
    label = two_places(edge).removeprefix("0")
    return (
        f'<line class="tick" x1="{x1:.2f}" y1="{y1:.2f}" x2="{x2:.2f}" y2="{y2:.2f}"/>'
        f'<text class="tick-label" x="{lx:.2f}" y="{ly + 2.5:.2f}">{label}</text>'
    )


@functools.cache
def _band_paths(bands: tuple[tuple[str, float], ...]) -> str:
    # The same for every gauge: drawn once per process (per set of bands), not once per gauge.
    edges = dict(bands)
    limits = [
        (0.0, edges["mostly_contradicted"], "contradicted"),
        (edges["mostly_contradicted"], edges["contested"], "mostly_contradicted"),
        (edges["contested"], edges["mostly_corroborated"], "contested"),
        (edges["mostly_corroborated"], edges["corroborated"], "mostly_corroborated"),
        (edges["corroborated"], 1.0, "corroborated"),
    ]
    arcs = "".join(
        f'<path class="band v-{verdict}" d="{arc_path(low, high)}"/>'
        for low, high, verdict in limits
    )
    return arcs + "".join(_edge_marks(low) for low, _, _ in limits[1:])


@register.simple_tag
def gauge(scored: Scored) -> Gauge:
    """
    The band arcs (faint, one per verdict) with a tick and a label at each
    band's edge (the VERDICT_BANDS of the settings), the value arc and the
    tip of the needle, and the evidence weight the score rests on.
    """
    bands: dict[str, float] = scoring_constants()["VERDICT_BANDS"]
    score = scored.score
    tip_x, tip_y = _point(score)
    value = f'<path class="value" d="{arc_path(0.0, score)}"/>' if _clamp(score) > 0 else ""
    tip = f'<circle class="tip" cx="{tip_x:.2f}" cy="{tip_y:.2f}" r="4"/>'
    # Safe: only numbers and fixed class names go into it.
    shapes = mark_safe(_band_paths(tuple(sorted(bands.items()))) + value + tip)
    return Gauge(
        shapes=shapes,
        score=two_places(score),
        weight=two_places(scored.evidence_weight),
        unverified=scored.verdict == Verdict.UNVERIFIED,
    )


@dataclass(frozen=True)
class Sparkline:
    shapes: str  # SVG: the 0.5 line, the scores' polyline, a dot at the latest
    first: str
    last: str
    count: int

    @property
    def changes(self) -> str:
        return f"{self.count} change{'' if self.count == 1 else 's'}"


# A sparkline scales to its own range, so that a move shows, but never to
# less than this span, so that float noise does not look like a swing.
SPARK_MIN_SPAN = 0.2


@register.simple_tag
def sparkline(history: list[float]) -> Sparkline | None:
    """A polyline of the scores, oldest at the left; one point draws a flat line."""
    scores = [_clamp(s) for s in history]
    if not scores:
        return None
    if len(scores) == 1:
        scores = scores * 2
    low, high = min(*scores, 0.5), max(*scores, 0.5)
    if high - low < SPARK_MIN_SPAN:
        middle = (high + low) / 2
        low, high = middle - SPARK_MIN_SPAN / 2, middle + SPARK_MIN_SPAN / 2

    def y(score: float) -> float:
        return round(SPARK_PAD + (high - score) / (high - low) * (SPARK_HEIGHT - 2 * SPARK_PAD), 2)

    step = (SPARK_WIDTH - 2 * SPARK_PAD) / (len(scores) - 1)
    coords = [(round(SPARK_PAD + i * step, 2), y(s)) for i, s in enumerate(scores)]
    points = " ".join(f"{x},{y}" for x, y in coords)
    last_x, last_y = coords[-1]
    # Safe: only numbers go into it.
    shapes = mark_safe(
        f'<line class="mid" x1="0" x2="{SPARK_WIDTH:g}" y1="{y(0.5)}" y2="{y(0.5)}"/>'
        f'<polyline points="{points}"/>'
        f'<circle cx="{last_x}" cy="{last_y}" r="2.5"/>'
    )
    return Sparkline(
        shapes=shapes,
        first=two_places(history[0]),
        last=two_places(history[-1]),
        count=len(history),
    )


@register.filter
def stance_label(value: str) -> str:
    return Stance(value).label if value in Stance.values else value


@register.filter
def verdict_label(value: str) -> str:
    return Verdict(value).label if value in Verdict.values else value


STANCE_MARKS: dict[str, str] = {
    Stance.SUPPORTS: "++",
    Stance.PARTLY_SUPPORTS: "+",
    Stance.PARTLY_CONTRADICTS: "−",
    Stance.CONTRADICTS: "−−",
}


@register.filter
def stance_mark(value: str) -> str:
    """A mark that tells the stance apart without relying on its colour."""
    return STANCE_MARKS.get(value, "?")


@dataclass(frozen=True)
class Moment:
    iso: str  # for <time datetime="…">
    exact: str  # "28 Nov 2026, 09:30", in UTC
    ago: str  # "just now" for the last minute, else "5 minutes ago"


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@register.simple_tag
def moment(at: datetime) -> Moment:
    """
    A time three ways, written directly: the date filter costs several times
    as much, and the overview writes one time per account.
    """
    at = at.astimezone(UTC)
    if (timezone.now() - at).total_seconds() < 60:
        ago = "just now"
    else:
        ago = f"{timesince(at).split(',')[0]} ago"
    exact = f"{at.day} {MONTHS[at.month - 1]} {at.year}, {at:%H:%M}"
    return Moment(iso=at.isoformat(), exact=exact, ago=ago)
