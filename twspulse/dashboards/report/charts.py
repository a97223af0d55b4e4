"""Charts of the report as PNG bytes (matplotlib's Agg canvas, no display, no global pyplot state)."""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping, Sequence
from datetime import datetime

from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return buf.getvalue()


def _x(times: Sequence[datetime]) -> list[float]:
    """Times as matplotlib date numbers (plotted on a date axis with ``xaxis_date``)."""
    return [float(mdates.date2num(t)) for t in times]


def data_uri(png: bytes) -> str:
    """A ``data:`` URI that embeds the PNG in the page."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def bar_chart(labels: Sequence[str], values: Sequence[float], title: str, xlabel: str) -> bytes:
    """Horizontal bars, largest on top."""
    fig = Figure(figsize=(8, max(2.0, 0.45 * len(labels) + 1)))
    ax = fig.add_subplot()
    ax.barh(list(reversed(labels)), list(reversed([float(v) for v in values])), color=PALETTE[3])
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def line_chart(series: Mapping[str, tuple[Sequence[datetime], Sequence[float]]], title: str, ylabel: str) -> bytes:
    """One line per named series."""
    fig = Figure(figsize=(8, 3.5))
    ax = fig.add_subplot()
    for i, (name, (xs, ys)) in enumerate(series.items()):
        ax.plot(_x(xs), [float(y) for y in ys], marker="o", markersize=3, label=name, color=PALETTE[i % len(PALETTE)])
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    ax.xaxis_date()
    fig.autofmt_xdate()
    return _png(fig)


def forecast_chart(
    history: tuple[Sequence[datetime], Sequence[float]],
    forecast: tuple[Sequence[datetime], Sequence[float], Sequence[float], Sequence[float]],
    threshold: float | None,
    crossing_at: datetime | None,
    title: str,
) -> bytes:
    """History, forecast with its interval band, the threshold and the crossing date."""
    fig = Figure(figsize=(8, 3.5))
    ax = fig.add_subplot()
    hx, hy = history
    if hx:
        ax.plot(_x(hx), [float(v) for v in hy], color=PALETTE[0], label="history (hourly)")
    fx, yhat, lower, upper = forecast
    if fx:
        ax.plot(_x(fx), [float(v) for v in yhat], color=PALETTE[1], linestyle="--", label="forecast")
        ax.fill_between(
            _x(fx), [float(v) for v in lower], [float(v) for v in upper], color=PALETTE[1], alpha=0.2, label="interval"
        )
    if threshold is not None:
        ax.axhline(float(threshold), color=PALETTE[3], linewidth=1, label=f"threshold {threshold:g} %")
    if crossing_at is not None:
        ax.axvline(_x([crossing_at])[0], color=PALETTE[3], linestyle=":", linewidth=1)
    bottom, top = ax.get_ylim()
    ax.set_ylim(max(bottom, 0.0), min(top, 105.0))  # a percentage: a forecast beyond 100 % says "full"
    ax.set_title(title)
    ax.set_ylabel("%")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="upper left")
    ax.xaxis_date()
    fig.autofmt_xdate()
    return _png(fig)


def backtest_chart(points: Sequence[tuple[str, float, float]], title: str) -> bytes:
    """Model sMAPE against the seasonal-naive baseline per series: below the diagonal the model wins.

    When the errors spread over more than two orders of magnitude (a disk series at 0.3 next to a runtime at
    40) the axes are logarithmic, so the small ones are not piled at the origin; a zero error is then drawn
    at half the smallest positive one.
    """
    fig = Figure(figsize=(5.5, 5))
    ax = fig.add_subplot()
    values = [float(v) for _, m, b in points for v in (m, b)]
    positive = [v for v in values if v > 0]
    log = bool(positive) and max(positive) / min(positive) > 100
    floor = min(positive) / 2 if log else 0.0
    kinds = sorted({kind for kind, _, _ in points})
    for i, kind in enumerate(kinds):
        xs = [max(float(b), floor) for k, _, b in points if k == kind]
        ys = [max(float(m), floor) for k, m, _ in points if k == kind]
        ax.scatter(xs, ys, label=kind, color=PALETTE[i % len(PALETTE)], alpha=0.8)
    if log:
        low, top = floor / 1.5, max(positive) * 1.5
        ax.set_xscale("log")
        ax.set_yscale("log")
    else:
        low, top = 0.0, (max([*values, 0.0]) * 1.1 or 1.0)
    ax.plot([low, top], [low, top], color="grey", linewidth=1, linestyle="--", label="model = baseline")
    ax.set_xlim(low, top)
    ax.set_ylim(low, top)
    ax.set_xlabel("baseline sMAPE (seasonal naive)" + (", log scale" if log else ""))
    ax.set_ylabel("model sMAPE" + (", log scale" if log else ""))
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return _png(fig)
