"""The archive report: one static, self-contained HTML page plus PNG plots, for archivists.

Everything comes from ``ArticleStore``'s public read methods (the numbers ``wjcrawl stats``
prints); nothing is fetched when the page is opened: no server, no external CSS, JS or fonts.
Plots are drawn with matplotlib's Agg canvas (headless; pyplot and its global state are never
touched). Their labels are ASCII (channel slugs are pinyin) so no CJK font is needed; the page
itself is UTF-8 and its headings are in simplified Chinese and English.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from wjcrawl.files import write_atomically
from wjcrawl.store import ArticleStore, iso8601

DPI = 110
COLORS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")
MISSING_COLOR = "#d62728"
MAX_GAP_ROWS = 500  # rows of the gaps table; the counts above it are always complete
MAX_FAILURE_ROWS = 1000
MAX_REASON_BARS = 15

PLOT_PER_MONTH = "articles_per_month.png"
PLOT_GAPS = "id_gaps.png"
PLOT_FAILURES = "failures_by_reason.png"
PLOT_RUNS = "crawl_runs.png"


@dataclass
class ReportData:
    """What the report shows, read once from the store."""

    counts: dict[str, int]
    per_channel_month: Counter[tuple[str, str]]
    gaps: list[tuple[int, int]]
    gap_limit: int
    failures: list[dict[str, Any]]
    runs: list[dict[str, Any]]  # newest first, as the store returns them
    database: str
    generated_at: str
    channels: list[str] = field(default_factory=list)  # by total, largest first
    months: list[str] = field(default_factory=list)  # contiguous, oldest first; "unknown" last

    @property
    def channel_totals(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for (channel, _month), n in self.per_channel_month.items():
            totals[channel] += n
        return dict(totals)

    @property
    def missing_ids(self) -> int:
        return sum(last - first + 1 for first, last in self.gaps)


def collect(store: ArticleStore, gap_limit: int = 1000) -> ReportData:
    """Read everything the report needs through the store's public read methods."""
    per = store.articles_per_channel_month()
    data = ReportData(
        counts=store.counts(),
        per_channel_month=per,
        gaps=store.id_gaps(limit=gap_limit),
        gap_limit=gap_limit,
        failures=store.failures(),
        runs=store.runs(),
        database=store.engine.url.render_as_string(hide_password=True),
        generated_at=iso8601(dt.datetime.now(dt.UTC)) or "",
    )
    totals = data.channel_totals
    data.channels = sorted(totals, key=lambda c: (-totals[c], c))
    data.months = _month_axis({m for _c, m in per})
    return data


def render_report(store: ArticleStore, outdir: Path) -> Path:
    """Write ``index.html`` and its PNG plots into ``outdir`` (created if needed); returns index.html."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    data = collect(store)
    plots = {
        PLOT_PER_MONTH: plot_per_month(data),
        PLOT_GAPS: plot_gaps(data),
        PLOT_FAILURES: plot_failures(data),
        PLOT_RUNS: plot_runs(data),
    }
    for name, figure in plots.items():
        figure.savefig(outdir / name, dpi=DPI, facecolor="white")
    index = outdir / "index.html"
    html_bytes = render_html(data).encode("utf-8")
    write_atomically(index, lambda out: out.write(html_bytes))
    return index


# --- helpers -------------------------------------------------------------------------------------


def _month_axis(months: set[str]) -> list[str]:
    """Every month from the first to the last one with articles (empty months too), then the rest."""
    valid = sorted(m for m in months if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", m))
    other = sorted(m for m in months if m not in valid)
    if not valid:
        return other
    year, month = map(int, valid[0].split("-"))
    end = valid[-1]
    axis = []
    while True:
        current = f"{year:04d}-{month:02d}"
        axis.append(current)
        if current >= end:
            break
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return axis + other


def reason_group(reason: str) -> str:
    """Failures grouped by the kind of reason: ``http 404``, ``robots.txt disallowed``, ``NotAnArticle``..."""
    return reason.split(":", 1)[0].strip() or "unknown"


def _ascii(text: str, limit: int = 40) -> str:
    text = text.encode("ascii", "replace").decode("ascii")
    return text if len(text) <= limit else text[: limit - 1] + "~"


def _seconds(run: dict[str, Any]) -> float | None:
    """How long a run took: Scrapy's own measure when recorded, else finished minus started."""
    elapsed = (run.get("stats") or {}).get("elapsed_time_seconds")
    if isinstance(elapsed, int | float):
        return float(elapsed)
    if not run.get("started_at") or not run.get("finished_at"):
        return None
    started = dt.datetime.fromisoformat(run["started_at"])
    finished = dt.datetime.fromisoformat(run["finished_at"])
    return max(0.0, (finished - started).total_seconds())


def _message(message: str) -> Figure:
    """A small figure that says why there is nothing to plot."""
    figure = Figure(figsize=(6, 1.2))
    ax = figure.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=13, color="#555555", transform=ax.transAxes)
    return figure


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _style(ax: Any) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)


# --- plots -----------------------------------------------------------------------------------------


def plot_per_month(data: ReportData) -> Figure:
    """Stacked bars: articles published per month, one colour per channel."""
    months = data.months
    if not months:
        return _message("no articles stored yet")
    width = min(16.0, max(8.0, 0.28 * len(months) + 3.5))
    figure = Figure(figsize=(width, 4.8), layout="constrained")
    ax = figure.add_subplot()
    x = np.arange(len(months))
    bottom = np.zeros(len(months))
    for k, channel in enumerate(data.channels):
        heights = np.array([data.per_channel_month.get((channel, m), 0) for m in months], dtype=float)
        ax.bar(x, heights, 0.8, bottom=bottom, color=COLORS[k % len(COLORS)], label=_ascii(channel))
        bottom += heights
    step = max(1, math.ceil(len(months) / 24))
    ax.set_xticks(x[::step], [months[i] for i in range(0, len(months), step)], rotation=45, ha="right")
    slots = max(len(months), 6)  # a few months: narrow bars, centred
    centre = (len(months) - 1) / 2
    ax.set_xlim(centre - slots / 2 + 0.1, centre + slots / 2 - 0.1)
    ax.set_ylabel("articles")
    ax.set_xlabel("month published")
    ax.set_title(f"Articles per month and channel ({int(bottom.sum())} articles)")
    if len(months) <= 12:  # few bars: the totals fit above them
        for i, total in enumerate(bottom):
            if total:
                ax.annotate(
                    f"{int(total)}",
                    (i, total),
                    ha="center",
                    va="bottom",
                    fontsize=9,
                    xytext=(0, 2),
                    textcoords="offset points",
                )
        ax.margins(y=0.1)
    ax.legend(title="channel", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    _style(ax)
    return figure


def plot_gaps(data: ReportData) -> Figure:
    """Missing ids between stored ones: where each run of missing ids lies, and how many per id range.

    A short id range gets one strip with every missing id labelled; a long one a strip and a
    histogram of missing ids per bucket of ids (where misses cluster).
    """
    if not data.gaps:
        return _message("no gaps in the article id sequence")
    first = data.gaps[0][0] - 1  # the stored ids on either side of the gaps
    last = data.gaps[-1][1] + 1
    span = last - first + 1
    step = math.ceil(span / 60)  # whole ids per histogram bar
    more = f" (first {data.gap_limit} gaps)" if len(data.gaps) >= data.gap_limit else ""
    title = (
        f"Missing article ids (possible missed articles): {_plural(len(data.gaps), 'gap')}, "
        f"{_plural(data.missing_ids, 'id')}{more}"
    )
    if step == 1:
        figure = Figure(figsize=(10, 2.4), layout="constrained")
        strip = figure.add_subplot()
        hist = None
    else:
        figure = Figure(figsize=(10, 4.6), layout="constrained")
        strip, hist = figure.subplots(2, 1, sharex=True, height_ratios=(1, 2.2))
    min_width = span / 600  # a single missing id stays visible on a long axis
    bars = [(a - 0.5, max(b - a + 1.0, min_width)) for a, b in data.gaps]
    strip.broken_barh(bars, (0, 1), facecolors=MISSING_COLOR, edgecolor="none")
    strip.set_yticks([])
    strip.set_ylim(0, 1.35 if hist is None else 1)
    strip.spines[["top", "right", "left"]].set_visible(False)
    strip.set_title(title)
    strip.set_xlim(first - 0.5 - span * 0.01, last + 0.5 + span * 0.01)
    strip.xaxis.get_major_locator().set_params(integer=True)
    strip.ticklabel_format(axis="x", style="plain", useOffset=False)
    if hist is None:
        strip.set_xlabel("article id")
        for a, b in data.gaps:
            label = f"{a}" if a == b else f"{a}-{b}"
            strip.annotate(
                label, ((a + b) / 2, 1), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=8
            )
        return figure

    strip.set_ylabel("missing", rotation=0, ha="right", va="center")
    bins = math.ceil(span / step)
    edges = first - 0.5 + step * np.arange(bins + 1)
    lo, hi = edges[:-1], edges[1:]
    counts = np.zeros(bins)
    for a, b in data.gaps:  # ids a..b occupy [a - 0.5, b + 0.5)
        counts += np.clip(np.minimum(b + 0.5, hi) - np.maximum(a - 0.5, lo), 0, None)
    hist.bar(lo, np.round(counts), hi - lo, align="edge", color=MISSING_COLOR, alpha=0.85, edgecolor="white")
    hist.set_ylabel(f"missing ids per {step} ids")
    hist.set_xlabel("article id")
    hist.yaxis.get_major_locator().set_params(integer=True)
    _style(hist)
    return figure


def plot_failures(data: ReportData) -> Figure:
    """Horizontal bars: failed URLs by kind of reason."""
    groups = Counter(reason_group(f["reason"]) for f in data.failures)
    ranked = groups.most_common()
    if len(ranked) > MAX_REASON_BARS:
        rest = sum(n for _r, n in ranked[MAX_REASON_BARS - 1 :])
        ranked = [*ranked[: MAX_REASON_BARS - 1], ("(other reasons)", rest)]
    if not ranked:
        return _message("no failed URLs")
    figure = Figure(figsize=(9, max(2.6, 0.8 + 0.45 * len(ranked))), layout="constrained")
    ax = figure.add_subplot()
    labels = [_ascii(r) for r, _n in ranked][::-1]
    values = [n for _r, n in ranked][::-1]
    ax.barh(labels, values, color=MISSING_COLOR, height=0.6)
    for y, value in enumerate(values):
        ax.annotate(f"{value}", (value, y), xytext=(4, 0), textcoords="offset points", va="center", fontsize=9)
    ax.set_xlabel("failed URLs")
    ax.set_title(f"Failed URLs by reason ({_plural(len(data.failures), 'URL')})")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.margins(x=0.12)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)
    return figure


def plot_runs(data: ReportData) -> Figure:
    """The latest crawl runs, oldest first: duration, then requests / new / updated / failed."""
    runs = list(reversed(data.runs))
    if not runs:
        return _message("no crawl runs recorded")
    figure = Figure(figsize=(10, 6.2), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(1, 1.6))
    x = np.arange(len(runs))
    labels = [f"#{r['id']}" for r in runs]
    seconds = [_seconds(r) for r in runs]
    colors = ["#59a14f" if r["status"] == "finished" else "#f28e2b" for r in runs]
    top.bar(x, [s or 0 for s in seconds], 0.6, color=colors)
    for i, (run, s) in enumerate(zip(runs, seconds, strict=True)):
        label = f"{s:.1f}s" if s is not None else "-"
        if run["status"] != "finished":
            label += f"\n{_ascii(run['status'], 16)}"
        top.annotate(
            label, (i, s or 0), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom", fontsize=8
        )
    top.set_ylabel("duration (s)")
    top.set_title("Latest crawl runs, oldest first (green: finished, orange: not finished)")
    top.margins(y=0.35)
    _style(top)

    series = (
        ("requests", "#4e79a7"),
        ("articles_new", "#59a14f"),
        ("articles_updated", "#edc948"),
        ("failed", MISSING_COLOR),
    )
    width = 0.8 / len(series)
    for k, (key, color) in enumerate(series):
        values = [r.get(key) or 0 for r in runs]
        offsets = x - 0.4 + width * (k + 0.5)
        bottom.bar(offsets, values, width, color=color, label=key.replace("articles_", ""))
        if len(runs) <= 10:
            for xo, value in zip(offsets, values, strict=True):
                bottom.annotate(
                    f"{value}",
                    (xo, value),
                    xytext=(0, 1),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=7,
                )
    bottom.set_xticks(x, labels)
    slots = max(len(runs), 5)  # a few runs: narrow bars, centred
    centre = (len(runs) - 1) / 2
    bottom.set_xlim(centre - slots / 2 + 0.1, centre + slots / 2 - 0.1)
    bottom.set_xlabel("run")
    bottom.set_ylabel("count")
    bottom.margins(y=0.15)
    bottom.legend(ncols=len(series), loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9)
    _style(bottom)
    return figure


# --- the page ----------------------------------------------------------------------------------------

CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif;
       margin: 2em auto; max-width: 72em; padding: 0 1em; color: #222; line-height: 1.5; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.meta { color: #666; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; background: #fafafa; }
img { max-width: 100%; height: auto; border: 1px solid #eee; }
.url { word-break: break-all; }
.note { color: #666; font-size: 0.9em; }
.scroll { max-height: 32em; overflow: auto; display: inline-block; max-width: 100%; }
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: Any, attrs: str = "") -> str:
    return f'<td class="num"{attrs}>{_e(value)}</td>'


def render_html(data: ReportData) -> str:
    """The page: totals, then one section per plot with the plot's numbers as tables."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        '<head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>武进新闻网存档报告 · wjcrawl archive report</title>",
        f"<style>{CSS}</style></head>",
        "<body>",
        "<h1>武进新闻网新闻中心存档报告 <small>wjcrawl archive report</small></h1>",
        f'<p class="meta">生成时间 Generated: {_e(data.generated_at)} · '
        f"数据库 Database: <code>{_e(data.database)}</code></p>",
        _totals_section(data),
        _per_month_section(data),
        _gaps_section(data),
        _failures_section(data),
        _runs_section(data),
        "</body></html>",
        "",
    ]
    return "\n".join(parts)


def _totals_section(data: ReportData) -> str:
    names = {
        "articles": "文章 articles",
        "urls": "网址 URLs",
        "pages": "原始页面 raw pages",
        "revisions": "旧版本 superseded revisions",
        "failures": "失败网址 failed URLs",
    }
    rows = "".join(
        f'<tr data-key="{_e(k)}"><th>{_e(names.get(k, k))}</th>{_num(v)}</tr>' for k, v in data.counts.items()
    )
    return f'<h2>总计 Totals</h2>\n<table id="totals">{rows}</table>'


def _per_month_section(data: ReportData) -> str:
    totals = data.channel_totals
    channel_rows = "".join(f'<tr data-channel="{_e(c)}"><td>{_e(c)}</td>{_num(totals[c])}</tr>' for c in data.channels)
    channel_table = (
        '<table id="channel-totals"><tr><th>频道 channel</th><th class="num">文章 articles</th></tr>'
        f'{channel_rows}<tr class="total"><td>合计 total</td>{_num(sum(totals.values()))}</tr></table>'
    )
    head = "".join(f'<th class="num">{_e(c)}</th>' for c in data.channels)
    body = []
    for month in data.months:
        cells = [data.per_channel_month.get((c, month), 0) for c in data.channels]
        body.append(
            f'<tr data-month="{_e(month)}"><td>{_e(month)}</td>'
            + "".join(_num(n) for n in cells)
            + _num(sum(cells))
            + "</tr>"
        )
    month_table = (
        f'<div class="scroll"><table id="articles-per-month"><tr><th>月份 month</th>{head}'
        f'<th class="num">合计 total</th></tr>{"".join(body)}</table></div>'
    )
    return (
        "<h2>每月各频道文章数 Articles per channel and month</h2>\n"
        f'<p class="note">按发布日期统计 (by published date); 图中频道以拼音标注 (channels by pinyin slug).</p>\n'
        f'<img src="{PLOT_PER_MONTH}" alt="articles per month and channel">\n{channel_table}\n{month_table}'
    )


def _gaps_section(data: ReportData) -> str:
    rows = "".join(f"<tr>{_num(a)}{_num(b)}{_num(b - a + 1)}</tr>" for a, b in data.gaps[:MAX_GAP_ROWS])
    truncated = ""
    if len(data.gaps) >= data.gap_limit:
        truncated = (
            f'<p class="note">只统计前 {data.gap_limit} 个缺口 (the store lists the first {data.gap_limit} gaps).</p>'
        )
    elif len(data.gaps) > MAX_GAP_ROWS:
        truncated = f'<p class="note">表中仅列出前 {MAX_GAP_ROWS} 个 (first {MAX_GAP_ROWS} listed).</p>'
    table = (
        '<div class="scroll"><table id="id-gaps"><tr><th class="num">首个缺失 first missing</th>'
        f'<th class="num">最后缺失 last missing</th><th class="num">数量 ids</th></tr>{rows}</table></div>'
        if data.gaps
        else ""
    )
    return (
        "<h2>文章编号缺口 Gaps in the article id sequence</h2>\n"
        "<p>已存文章之间缺失的编号，可能是漏抓的文章 (ids missing between stored articles: possible missed "
        f'articles): <strong id="gap-count">{len(data.gaps)}</strong> 个缺口 gaps, '
        f'<strong id="gap-ids">{data.missing_ids}</strong> 个编号 ids.</p>\n'
        f'<img src="{PLOT_GAPS}" alt="missing article ids">\n{truncated}{table}'
    )


def _failures_section(data: ReportData) -> str:
    groups = Counter(reason_group(f["reason"]) for f in data.failures)
    reason_rows = "".join(f'<tr data-reason="{_e(r)}"><td>{_e(r)}</td>{_num(n)}</tr>' for r, n in groups.most_common())
    rows = "".join(
        f'<tr><td class="url">{_e(f["url"])}</td><td>{_e(f["reason"])}</td>{_num(f["status"])}'
        f"{_num(f['attempts'])}<td>{_e(f['last_failed_at'])}</td><td>{_e(f['next_retry_at'])}</td></tr>"
        for f in data.failures[:MAX_FAILURE_ROWS]
    )
    note = (
        f'<p class="note">表中仅列出前 {MAX_FAILURE_ROWS} 个 (first {MAX_FAILURE_ROWS} listed).</p>'
        if len(data.failures) > MAX_FAILURE_ROWS
        else ""
    )
    tables = (
        '<table id="failure-reasons"><tr><th>原因 reason</th><th class="num">网址 URLs</th></tr>'
        f"{reason_rows}</table>\n{note}"
        '<div class="scroll"><table id="failures"><tr><th>网址 URL</th><th>原因 reason</th>'
        '<th class="num">状态 status</th><th class="num">次数 attempts</th><th>最近失败 last failed</th>'
        f"<th>下次重试 next retry</th></tr>{rows}</table></div>"
        if data.failures
        else ""
    )
    return (
        "<h2>失败网址 Failed URLs</h2>\n"
        f'<p>共 <strong id="failure-count">{len(data.failures)}</strong> 个失败网址 (failed URLs; each is '
        "retried on its schedule).</p>\n"
        f'<img src="{PLOT_FAILURES}" alt="failed URLs by reason">\n{tables}'
    )


def _runs_section(data: ReportData) -> str:
    rows = []
    for r in data.runs:
        seconds = _seconds(r)
        rows.append(
            f'<tr data-run-id="{_e(r["id"])}">{_num(r["id"])}<td>{_e(r["started_at"])}</td>'
            f"<td>{_e(r['finished_at'])}</td>{_num(f'{seconds:.1f}' if seconds is not None else '')}"
            f"<td>{_e(r['status'])}</td>{_num(r['requests'])}{_num(r['articles_new'])}"
            f"{_num(r['articles_updated'])}{_num(r['failed'])}</tr>"
        )
    table = (
        '<table id="runs"><tr><th class="num">#</th><th>开始 started</th><th>结束 finished</th>'
        '<th class="num">耗时 seconds</th><th>状态 status</th><th class="num">请求 requests</th>'
        '<th class="num">新增 new</th><th class="num">更新 updated</th><th class="num">失败 failed</th></tr>'
        f"{''.join(rows)}</table>"
        if data.runs
        else ""
    )
    return (
        "<h2>最近的抓取 Latest crawl runs</h2>\n"
        f'<p>最近 <strong id="run-count">{len(data.runs)}</strong> 次 (latest runs, newest first in the table).</p>\n'
        f'<img src="{PLOT_RUNS}" alt="latest crawl runs">\n{table}'
    )
