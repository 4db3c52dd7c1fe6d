"""Presenting an ``EvalResult``: a plain terminal table, the full figures as JSON, a PNG chart."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rag.eval.metrics import ratio
from rag.eval.runner import EvalResult, RealisticFigures, SystemFigures

Getter = Callable[[SystemFigures], float]

#: (section, [(label, getter, format)]) of the terminal table, in order.
ROWS: list[tuple[str, list[tuple[str, Getter, str]]]] = [
    (
        "Retrieval: rank of the gold passage (answerable questions)",
        [
            *[(f"recall@{k}", (lambda s, k=k: s.retrieval.recall[f"@{k}"]), "{:.3f}") for k in (1, 3, 5, 10)],
            ("MRR", lambda s: s.retrieval.mrr, "{:.3f}"),
        ],
    ),
    (
        "Answers (answerable questions, at the abstention threshold)",
        [
            ("answer contains a gold answer", lambda s: s.answers.contained, "{:.3f}"),
            ("token F1 vs best gold answer", lambda s: s.answers.f1, "{:.3f}"),
            ("first citation quotes the gold passage", lambda s: s.answers.first_citation_gold, "{:.3f}"),
            (
                "contains a gold answer, never abstaining",
                lambda s: s.answers.contained_never_abstaining,
                "{:.3f}",
            ),
            ("short answer exact match", lambda s: s.answers.short_exact, "{:.3f}"),
            ("short answer token F1", lambda s: s.answers.short_f1, "{:.3f}"),
            ("mean words of the answers given", lambda s: s.answers.mean_words, "{:.1f}"),
        ],
    ),
    (
        "Abstention",
        [
            ("unanswerable questions abstained on", lambda s: s.abstention.unanswerable_abstained, "{:.3f}"),
            (
                "answerable questions wrongly abstained on",
                lambda s: s.abstention.answerable_abstained,
                "{:.3f}",
            ),
        ],
    ),
    (
        "Citations",
        [("quote == slice of the source text", lambda s: s.citations.validity, "{:.1%}")],
    ),
    (
        "Speed and size",
        [
            ("embedding model load seconds (shared)", lambda s: s.speed.model_load_s, "{:.1f}"),
            ("ingest seconds (shared index)", lambda s: s.speed.ingest_s, "{:.1f}"),
            ("passages per second (shared index)", lambda s: s.speed.passages_per_s, "{:.1f}"),
            ("ask() latency p50 ms", lambda s: s.speed.latency_ms["p50"], "{:.1f}"),
            ("ask() latency p95 ms", lambda s: s.speed.latency_ms["p95"], "{:.1f}"),
            ("ask() latency p99 ms", lambda s: s.speed.latency_ms["p99"], "{:.1f}"),
            ("peak resident memory MiB (one process)", lambda s: s.speed.peak_rss_mb, "{:.0f}"),
            ("index size on disk MiB (shared index)", lambda s: s.speed.index_mb, "{:.1f}"),
        ],
    ),
]

#: The realistic-set section, shown first when the set has must-contain answers and gold quotes.
REALISTIC_ROWS: list[tuple[str, Callable[[RealisticFigures], float], str]] = [
    ("right (answerable right + unanswerable abstained)", lambda r: r.right, "{:.1%}"),
    ("answerable questions right", lambda r: r.answerable_right, "{:.1%}"),
    ("answerable questions refused (abstained)", lambda r: r.refused, "{:.1%}"),
    ("unanswerable questions abstained on", lambda r: r.unanswerable_abstained, "{:.1%}"),
    ("must-contain strings in the short answer", lambda r: r.short_keys, "{:.1%}"),
]

_LABEL_WIDTH = 44
_COLUMN_WIDTH = 16


def _cell(value: float | None, fmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return fmt.format(value)


def _header(result: EvalResult) -> list[str]:
    p = result.product
    return [
        f"Evaluation of {result.dataset}: {result.reports} reports, {p.speed.passages} passages, "
        f"{p.questions} questions ({p.answerable} answerable, {p.unanswerable} unanswerable), "
        f"{result.mode} mode, abstain threshold {p.abstention.threshold:g}",
        f"Citations checked: {p.citations.valid} of {p.citations.total} valid.",
    ]


def _realistic_rows(systems: list[SystemFigures]) -> list[tuple[str, list[tuple[str, Getter, str]]]]:
    if systems[0].realistic is None:
        return []

    def getter(get: Callable[[RealisticFigures], float]) -> Getter:
        return lambda s: get(s.realistic) if s.realistic else float("nan")

    title = "Realistic set: right = every must-contain string + a citation of the gold quote"
    return [(title, [(label, getter(get), fmt) for label, get, fmt in REALISTIC_ROWS])]


def _group_table(title: str, systems: list[SystemFigures], attr: str) -> list[str]:
    """One line per question kind (or report): count, then each system's right / refused / abstained."""
    groups: dict[str, RealisticFigures] = getattr(systems[0], attr)
    if not groups:
        return []
    heads = "".join(f"{s.name[:15]:>16}" for s in systems)
    lines = [
        "",
        f"{title} (right% | answerable refused% | unanswerable abstained%)",
        f"{'':30}{'n':>5}{heads}",
    ]
    for name, fig in groups.items():
        cells = []
        for system in systems:
            g = getattr(system, attr).get(name)
            cells.append(
                "-"
                if g is None
                else f"{g.right:.0%}|{g.refused if g.answerable else 0:.0%}|"
                f"{g.unanswerable_abstained if g.unanswerable else 0:.0%}"
            )
        lines.append(f"  {name[:28]:28}{fig.questions:>5}" + "".join(f"{c:>16}" for c in cells))
    return lines


def render_table(result: EvalResult) -> str:
    """The figures as a plain-text table; with a baseline, side by side with product/baseline."""
    systems = [result.product] + ([result.baseline] if result.baseline else [])
    names = [s.name for s in systems] + (["ratio"] if result.baseline else [])
    lines = [*_header(result), ""]
    lines.append(" " * _LABEL_WIDTH + "".join(n.rjust(_COLUMN_WIDTH) for n in names))
    for section, rows in [*_realistic_rows(systems), *ROWS]:
        lines.append(section)
        for label, get, fmt in rows:
            values = [get(s) for s in systems]
            cells = [_cell(v, fmt) for v in values]
            if result.baseline:
                cells.append(_cell(ratio(values[0], values[1]), "{:.2f}"))
            lines.append(f"  {label}".ljust(_LABEL_WIDTH) + "".join(c.rjust(_COLUMN_WIDTH) for c in cells))
    if result.baseline:
        lines.append("ratio = product / baseline; the baseline never abstains (its curve is in the JSON).")
    lines += _group_table("By question kind", systems, "by_kind")
    lines += _group_table("By report", systems, "by_report")
    if result.gold_quotes_missing:
        lines.append(f"\nGold quotes not found in the indexed text: {', '.join(result.gold_quotes_missing)}")
    return "\n".join(lines)


def ratios(result: EvalResult) -> dict[str, float | None]:
    """product / baseline for every figure of the table (empty without a baseline)."""
    if result.baseline is None:
        return {}
    return {
        label: ratio(get(result.product), get(result.baseline)) for _, rows in ROWS for label, get, _ in rows
    }


def write_json(result: EvalResult, path: Path) -> Path:
    """Write every figure (and the product/baseline ratios) to ``path``; return it."""
    data: dict[str, Any] = json.loads(result.model_dump_json())
    data["ratios"] = ratios(result)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _plot_tradeoff(axis: Any, systems: list[SystemFigures]) -> None:
    for system in systems:
        curve = system.abstention.curve
        axis.plot(
            [p.answerable_abstained for p in curve],
            [p.unanswerable_abstained for p in curve],
            label=system.name,
        )
    product = systems[0].abstention
    axis.plot(
        [product.answerable_abstained],
        [product.unanswerable_abstained],
        "o",
        color="black",
        label=f"operating point (threshold {product.threshold:g})",
    )
    axis.set(
        xlabel="answerable questions abstained on (wrongly)",
        ylabel="unanswerable questions abstained on",
        title="Abstention trade-off",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    axis.legend(fontsize=8)


def _plot_coverage(axis: Any, systems: list[SystemFigures]) -> None:
    for system in systems:
        curve = system.abstention.curve
        axis.plot(
            [p.unanswerable_abstained for p in curve],
            [p.answerable_contained for p in curve],
            label=system.name,
        )
    axis.set(
        xlabel="unanswerable questions abstained on",
        ylabel="answerable questions answered right (contains gold)",
        title="Right answers vs abstention",
        xlim=(0, 1),
        ylim=(0, 1),
    )
    axis.legend(fontsize=8)


def _plot_latency(axis: Any, systems: list[SystemFigures]) -> None:
    import numpy as np

    all_ms = [r.latency_s * 1000 for s in systems for r in s.per_question]
    if not all_ms:
        return
    low, high = max(min(all_ms), 0.01), max(max(all_ms), 0.02)
    bins = np.geomspace(low, high * 1.001, 40)
    for system in systems:
        axis.hist([r.latency_s * 1000 for r in system.per_question], bins=bins, alpha=0.6, label=system.name)
    axis.set_xscale("log")
    axis.set(xlabel="ask() latency, ms (log scale)", ylabel="questions", title="Latency distribution")
    axis.legend(fontsize=8)


def write_chart(result: EvalResult, path: Path) -> Path:
    """Write a PNG of the abstention trade-off and the latency distribution; return its path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    systems = [result.product] + ([result.baseline] if result.baseline else [])
    figure, axes = plt.subplots(1, 3, figsize=(16, 5))
    _plot_tradeoff(axes[0], systems)
    _plot_coverage(axes[1], systems)
    _plot_latency(axes[2], systems)
    figure.suptitle(f"{result.dataset}: {result.product.questions} questions, {result.mode} mode")
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(figure)
    return path
