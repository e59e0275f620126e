"""The paragraph a bulletin opens with, written from its figures in the register of a government notice."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from dashboard import number_formats
from dashboard.figures import Bulletin
from dashboard.i18n import lang, name, t
from queries.metrics import METRICS, RATES
from queries.periods import change
from queries.settings import SEVERE

RISING = 0.5  # a top problem up this much on the period before is named as one to watch
OPENING = {"day": "On ", "week": "In the week of ", "month": "In "}
_escape: ContextVar[Callable[[object], str]] = ContextVar("escape", default=str)


def named(value: str) -> str:
    """A name from the data in the interface language, made safe for the markup the paragraph goes into."""
    return _escape.get()(name(value))


def period_label(b: Bulletin) -> str:
    if lang() == "en":
        return OPENING[b.kind] + b.period.label("en")
    return b.period.label("zh")


def as_of(b: Bulletin) -> str:
    """For a period still running: up to when it is counted; nothing for a whole one."""
    if not b.running:
        return ""
    if lang() == "en":
        return f", as of {b.t:%d %B %H:%M},"
    return f"（截至{b.t.month}月{b.t.day}日{b.t:%H:%M}）"


def listed(names: list[str]) -> str:
    names = [named(n) for n in names]
    if lang() == "en":
        return ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1] if names else ""
    return "、".join(names)


def change_words(ratio: float | None, running: bool) -> str:
    """A change in words; for a running period it is on the same stretch of the period before (同期)."""
    if number_formats.missing(ratio):
        return "无上期数据" if lang() == "zh" else "with nothing to compare"
    if lang() == "en":
        return f"{'up' if ratio >= 0 else 'down'} {abs(ratio) * 100:.1f}%"
    return f"{'较上期同期' if running else '环比'}{'上升' if ratio >= 0 else '下降'}{abs(ratio) * 100:.1f}%"


def on_before(b: Bulletin) -> str:
    return "on the same stretch of the period before" if b.running else "on the period before"


def paragraph(b: Bulletin, escape: Callable[[object], str] = str) -> str:
    """The paragraph, with every name from the data passed through escape (Markdown's; HTML escapes on its own)."""
    token = _escape.set(escape)
    try:
        sentences = (volume(b), rates(b), targets(b), ranking(b), problems(b), backlog(b), incidents(b))
        return (" " if lang() == "en" else "").join(sentence for sentence in sentences if sentence)
    finally:
        _escape.reset(token)


def volume(b: Bulletin) -> str:
    received, before = b.current.get("received") or 0, b.previous.get("received")
    words = change_words(change(received, before), b.running)
    scope = named(b.district) if b.district else ("全市" if lang() == "zh" else "the city")
    if lang() == "en":
        return (f"{period_label(b)}{as_of(b)} {scope} received {received:,} requests, {words}"
                f"{f' {on_before(b)} ({before:,})' if before else ''}.")
    base = "上期同期" if b.running else "上期"
    return f"{period_label(b)}{as_of(b)}，{scope}共受理诉求{received:,}件，{words}{f'（{base}{before:,}件）' if before else ''}。"


def rates(b: Bulletin) -> str:
    three = RATES[:3]
    values = "、".join(number_formats.percent(b.current.get(k)) for k in three) if lang() == "zh" else \
        ", ".join(number_formats.percent(b.current.get(k)) for k in three)
    changes = [change(b.current.get(k), b.previous.get(k), rate=True) for k in three]
    on_time = number_formats.percent(b.current.get("on_time_rate"))
    if lang() == "en":
        moved = ", ".join("—" if c is None else f"{c * 100:+.1f}" for c in changes)
        return (f"The response, resolution and satisfaction rates were {values} ({moved} points {on_before(b)}); "
                f"{on_time} of requests due were handled on time.")
    moved_zh = "、".join("—" if c is None else f"{c * 100:+.1f}" for c in changes)
    return (f"响应率、解决率、满意率分别为{values}，较{'上期同期' if b.running else '上期'}分别变化{moved_zh}个百分点；"
            f"按时办结率为{on_time}。")


def targets(b: Bulletin) -> str:
    known = [k for k in RATES if not number_formats.missing(b.current.get(k))]
    missed = [k for k in known if b.current[k] < (b.current.get(METRICS[k].target) or 0)]
    if not known:  # a source without contact times or callbacks has no rates to hold to a target
        return ""
    if not missed:
        return "All four rates met their targets." if lang() == "en" else "四项指标均达到目标值。"
    goals = [number_formats.percent(b.current[METRICS[k].target]) for k in missed]
    names = [t(k) for k in missed]
    if lang() == "en":
        return f"{listed(names)} fell short of {'its target' if len(missed) == 1 else 'their targets'} ({', '.join(goals)})."
    return f"其中{listed(names)}未达到目标值（{'、'.join(goals)}）。"


def ranking(b: Bulletin) -> str:
    top, bottom = b.places.head(3)["name"].to_list(), b.places.tail(3)["name"].to_list()[::-1]
    worst_streets = b.streets.tail(3)["name"].to_list()[::-1]
    if not top:
        return ""
    if lang() == "en":
        level = "streets" if b.district else "districts"
        text = (f"By the mean of the three rates, the leading {level} were {listed(top)}, and the last were "
                f"{listed(bottom)}.")
        if not b.district and worst_streets:
            text += f" The three streets ranked lowest were {listed(worst_streets)}."
        return text
    level = "街道（乡镇）" if b.district else "各区"
    text = f"按三率均值排名，{level}中居前三位的是{listed(top)}，排名后三位的是{listed(bottom)}"
    if not b.district and worst_streets:
        text += f"；全市街道（乡镇）中排名后三位的为{listed(worst_streets)}"
    return text + "。"


def problems(b: Bulletin) -> str:
    rows = b.topics.to_dicts()
    if not rows:
        return ""
    rising = [r["name"] for r in rows if not number_formats.missing(r["change"]) and r["change"] >= RISING]
    if lang() == "en":
        items = "; ".join(f"{named(r['name'])} ({r['received']:,}, {change_words(r['change'], b.running)})"
                          for r in rows)
        text = f"The most frequent problems were {items}."
        return text + (f" {listed(rising)} rose sharply and need attention." if rising else "")
    items = "、".join(f"{named(r['name'])}（{r['received']:,}件，{change_words(r['change'], b.running)}）" for r in rows)
    text = f"诉求量居前的问题依次为{items}。"
    return text + (f"其中{listed(rising)}增幅较大，需重点关注。" if rising else "")


def backlog(b: Bulletin) -> str:
    when = f"{b.t:%Y-%m-%d %H:%M}"
    repeat = b.repeats.head(1).to_dicts()
    if lang() == "en":
        text = (f"As of {when}, {b.open_now['open']:,} requests were open, {b.open_now['overdue']:,} of them "
                f"past their deadline.")
        if repeat:
            r = repeat[0]
            place = f" in {named(r['street'])}" if r["street"] else ""
            text += f" Repeat requests clustered on {named(r['subcategory'])}{place} ({r['repeats']:,})."
        return text
    text = f"截至{when}，在办工单{b.open_now['open']:,}件，其中超期未办结{b.open_now['overdue']:,}件"
    if repeat:
        r = repeat[0]
        place = f"{named(r['street'])}的" if r["street"] else ""
        text += f"；重复诉求较集中的是{place}{named(r['subcategory'])}问题（{r['repeats']:,}件）"
    return text + "。"


def incidents(b: Bulletin) -> str:
    total = int(b.incidents["incidents"].sum()) if b.incidents.height else 0
    severe = int(b.incidents.filter(b.incidents["name"].cast(int) >= SEVERE)["incidents"].sum()) if total else 0
    still = int(b.incidents["open"].sum()) if total else 0
    if lang() == "en":
        return (f"{total:,} city incidents were detected, {severe:,} of them serious or worse; {still:,} were "
                f"still open.")
    return f"期间发现城市运行事件{total:,}起，其中重大及以上{severe:,}起，尚未办结{still:,}起。"
