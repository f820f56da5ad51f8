"""
How the dashboard draws its numbers: the geometry of the inline SVG charts
(the credibility gauge and the score sparkline), labels and times. Drawing
only: the numbers themselves come from the services.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.timesince import timesince

from claims.models import Stance, Verdict

register = template.Library()

# The gauge is a half circle, score 0 at the left end, 1 at the right.
CX, CY, RADIUS = 50.0, 50.0, 42.0
# The sparkline's drawing box (its viewBox), with room for the end dot.
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 120.0, 32.0, 3.0


def _clamp(value: float) -> float:
    return min(max(float(value), 0.0), 1.0)


def _point(score: float) -> tuple[float, float]:
    angle = math.pi * _clamp(score)
    return CX - RADIUS * math.cos(angle), CY - RADIUS * math.sin(angle)


def arc_path(start: float, end: float) -> str:
    (x1, y1), (x2, y2) = _point(start), _point(end)
    return f"M {x1:.2f} {y1:.2f} A {RADIUS:.0f} {RADIUS:.0f} 0 0 1 {x2:.2f} {y2:.2f}"


@dataclass(frozen=True)
class Gauge:
    bands: list[tuple[str, str]]  # (verdict, path) from low to high
    value: str
    tip_x: float
    tip_y: float


@register.simple_tag
def gauge(score: float) -> Gauge:
    """The band arcs (faint, one per verdict), the value arc and the tip of the needle."""
    bands = settings.CLAIMDESK_SCORING["VERDICT_BANDS"]
    edges = [
        (0.0, bands["mostly_contradicted"], "contradicted"),
        (bands["mostly_contradicted"], bands["contested"], "mostly_contradicted"),
        (bands["contested"], bands["mostly_corroborated"], "contested"),
        (bands["mostly_corroborated"], bands["corroborated"], "mostly_corroborated"),
        (bands["corroborated"], 1.0, "corroborated"),
    ]
    tip_x, tip_y = _point(score)
    return Gauge(
        bands=[(verdict, arc_path(low, high)) for low, high, verdict in edges],
        value=arc_path(0.0, score) if _clamp(score) > 0 else "",
        tip_x=round(tip_x, 2),
        tip_y=round(tip_y, 2),
    )


@dataclass(frozen=True)
class Sparkline:
    points: str
    last_x: float
    last_y: float
    mid_y: float
    first: float
    last: float
    count: int


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
    return Sparkline(
        points=" ".join(f"{x},{y}" for x, y in coords),
        last_x=coords[-1][0],
        last_y=coords[-1][1],
        mid_y=y(0.5),
        first=history[0],
        last=history[-1],
        count=len(history),
    )


@register.filter
def stance_label(value: str) -> str:
    return Stance(value).label if value in Stance.values else value


@register.filter
def verdict_label(value: str) -> str:
    return Verdict(value).label if value in Verdict.values else value


STANCE_MARKS = {
    Stance.SUPPORTS: "++",
    Stance.PARTLY_SUPPORTS: "+",
    Stance.PARTLY_CONTRADICTS: "−",
    Stance.CONTRADICTS: "−−",
}


@register.filter
def stance_mark(value: str) -> str:
    """A mark that tells the stance apart without relying on its colour."""
    return STANCE_MARKS.get(value, "?")


@register.filter
def ago(moment) -> str:
    """ "just now" for the last minute, else "5 minutes ago"."""
    if moment is None:
        return ""
    if (timezone.now() - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment).split(',')[0]} ago"
