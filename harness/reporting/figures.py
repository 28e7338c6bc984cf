"""Figures as data: what a claim plots travels in its record, and is drawn only by the report.

A claim attaches a :class:`Figure` to its verdict (``decide(evidence, figure=...)``). The figure
holds numbers only (means, interval bounds, per-seed values), so it survives pytest-xdist, goes
into the results file, and a report rebuilt from that file draws exactly the same picture.
"""
from __future__ import annotations

import io
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Sequence

import numpy as np

from ..stats import mean_of

STYLES = ("line", "dashed", "points")


def _finite_or_none(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


@dataclass(frozen=True)
class Series:
    """One curve: ``y`` at ``x`` (numbers, or category names), with an optional interval and the
    per-seed values it summarizes. Missing values are None."""

    label: str
    x: tuple
    y: tuple
    low: tuple | None = None
    high: tuple | None = None
    per_seed: tuple | None = None
    style: str = "line"

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"series {self.label!r}: style {self.style!r} not one of {STYLES}")
        for name in ("y", "low", "high", "per_seed"):
            value = getattr(self, name)
            if value is not None and len(value) != len(self.x):
                raise ValueError(f"series {self.label!r}: {name} has {len(value)} values for "
                                 f"{len(self.x)} x values")

    @classmethod
    def from_groups(cls, label: str, x: Sequence, groups: Sequence[Sequence[float]], *,
                    level: float = 0.98, style: str = "line") -> "Series":
        """Mean per point with its t interval at ``level`` (the claims' 1 - 2·alpha), from the
        per-seed values of each point; non-finite (diverged) values are left out of the mean."""
        ys, lows, highs, seeds = [], [], [], []
        for group in groups:
            values = np.asarray(group, dtype=float)
            finite = values[np.isfinite(values)]
            mean = float(finite.mean()) if len(finite) else math.nan
            lo = hi = math.nan
            if len(finite) >= 2:
                lo, hi = mean_of(finite).interval(level)
            ys.append(_finite_or_none(mean))
            lows.append(_finite_or_none(lo))
            highs.append(_finite_or_none(hi))
            seeds.append(tuple(_finite_or_none(v) for v in values))
        return cls(label, tuple(_plain(v) for v in x), tuple(ys), tuple(lows), tuple(highs),
                   tuple(seeds), style)

    @classmethod
    def of(cls, label: str, x: Sequence, y: Sequence[float], *, style: str = "line"
           ) -> "Series":
        """A curve without an interval (a theory line, a single run's trajectory)."""
        return cls(label, tuple(_plain(v) for v in x), tuple(_finite_or_none(v) for v in y),
                   style=style)


@dataclass(frozen=True)
class Panel:
    """One set of axes. ``lines`` are horizontal reference lines: (value, label)."""

    x_label: str
    y_label: str
    series: tuple[Series, ...]
    title: str = ""
    log_x: bool = False
    lines: tuple[tuple[float, str], ...] = ()

    @classmethod
    def of(cls, x_label: str, y_label: str, x: Sequence,
           curves: dict[str, Sequence[Sequence[float]]], *, dashed: Sequence[str] = (),
           extra: Sequence[Series] = (), title: str = "", log_x: bool = False,
           lines: Sequence[tuple[float, str]] = (), level: float = 0.98) -> "Panel":
        """A panel of per-point seed groups (``curves``: label -> one group per x), each drawn
        as its mean with a ``level`` t interval; labels in ``dashed`` drawn dashed, as
        ``points`` when x are category names. ``extra`` adds ready series (a theory line)."""
        categorical = any(isinstance(v, str) for v in x)
        series = tuple(Series.from_groups(
            label, x, groups, level=level,
            style="points" if categorical else "dashed" if label in dashed else "line")
            for label, groups in curves.items())
        return cls(x_label, y_label, series + tuple(extra), title, log_x,
                   tuple((float(v), str(t)) for v, t in lines))


@dataclass(frozen=True)
class Figure:
    """What a claim shows: one or more panels side by side, and a caption that says what to
    look for."""

    caption: str
    panels: tuple[Panel, ...] = field(default_factory=tuple)

    BANDS = "Bands and bars: 98 % t intervals of the mean over seeds; dots: single seeds."

    def __post_init__(self) -> None:
        if not self.panels:
            raise ValueError("a figure needs at least one panel")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, record: dict) -> "Figure":
        panels = []
        for p in record["panels"]:
            series = tuple(Series(**{k: _tuples(v) for k, v in s.items()}) for s in p["series"])
            panels.append(Panel(p["x_label"], p["y_label"], series, p.get("title", ""),
                                p.get("log_x", False),
                                tuple(tuple(line) for line in p.get("lines", ()))))
        return cls(record["caption"], tuple(panels))


def _plain(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def _nan(values) -> list[float]:
    return [math.nan if v is None else float(v) for v in values]


def render_png(figure: Figure, *, dpi: int = 100) -> bytes:
    """The figure as PNG bytes. Deterministic: the same figure gives the same bytes (no
    timestamps in the file), so a report rebuilt from a results file equals the original."""
    import matplotlib
    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure as MplFigure

    n = len(figure.panels)
    fig = MplFigure(figsize=(5.2 * n, 3.6), dpi=dpi, layout="constrained")
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, panel in zip(axes, figure.panels):
        categorical = any(isinstance(v, str) for s in panel.series for v in s.x)
        for s in panel.series:
            xs = list(s.x)
            ys = _nan(s.y)
            if s.style == "points":
                line = ax.plot(xs, ys, "o", label=s.label)[0]
            else:
                line = ax.plot(xs, ys, "-" if s.style == "line" else "--", marker="o",
                               markersize=3, label=s.label)[0]
            if s.low is not None and s.high is not None:
                lo, hi = np.array(_nan(s.low)), np.array(_nan(s.high))
                y = np.array(ys)
                if categorical or s.style == "points":
                    ax.errorbar(xs, y, yerr=[y - lo, hi - y], fmt="none", capsize=4,
                                color=line.get_color())
                else:
                    ax.fill_between(xs, lo, hi, alpha=0.2, color=line.get_color(),
                                    linewidth=0)
            if s.per_seed is not None and not categorical:
                for x, values in zip(xs, s.per_seed):
                    seeds = [v for v in values if v is not None]
                    ax.plot([x] * len(seeds), seeds, ".", markersize=2, alpha=0.5,
                            color=line.get_color())
        for value, label in panel.lines:
            ax.axhline(value, color="0.4", linestyle=":", linewidth=1)
            ax.annotate(label, (0.01, value), xycoords=("axes fraction", "data"), fontsize=7,
                        color="0.3", va="bottom")
        if panel.log_x and not categorical:
            ax.set_xscale("log", base=2)
        ax.set_xlabel(panel.x_label)
        ax.set_ylabel(panel.y_label)
        if panel.title:
            ax.set_title(panel.title, fontsize=10)
        ax.grid(alpha=0.3)
        if any(s.label for s in panel.series):
            ax.legend(fontsize=7)
    out = io.BytesIO()
    fig.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
