"""Regular-expression denial of service: every pattern our code compiles, fed generated adversarial text.

Python's `re` backtracks, so a pattern with nested or adjacent quantifiers over the same characters ("(?:one[\\s-]+)*"
followed by something that fails) can take polynomial or exponential time in the length of one customer message.
This module finds the patterns without a list to maintain: it wraps `re._compile` while it imports every module of
`generation`, `retrieval`, `assistant` and `ui`, calls their argument-free cached builders (where the data-driven
patterns are made) and runs the text entry points on sample text, recording every pattern compiled by our code. Each
one is then timed on adversarial text: short units (words, digits, hyphens, spaces, spelled numbers, separators)
repeated to the size limit and ended by a character that makes a match fail late.

    python -m bench.attack_regex                     # every pattern at 4 KB; exit 1 when one is over budget
    python -m bench.attack_regex --size 1024 --json /tmp/regex.json
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import pkgutil
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("generation", "retrieval", "assistant", "ui")
# Units that real chains are made of: spelled numbers, digits, hyphens, spaces, separators, units, markup.
UNITS = (
    "one-", "one ", "twenty-one ", "one hundred and ", "a ", "a-", "1-", "1 ", "1,", "1.", "1.1,", "1 -", "- ",
    "  ", "\t\n", "€1 ", "#1 ", "1 cm ", "1 to ", "ab ", "a:", ": 1", "not ", "no-", "x ", "aa", "'a'", "[a](",
    "**", "__", "* ", "# ", "| ", "<a ", "&#", "http://a/", "a@a.", "a.", "e ", "eins-", "zwei ", "und ",
)  # fmt: skip
ENDINGS = ("", "!", "\u00a7")


def shapes() -> list[tuple[str, str]]:
    """(unit, ending) of every adversarial text: each unit and each neighbouring pair of units, with each ending."""
    pairs = [a + b for a, b in zip(UNITS, UNITS[1:], strict=False)]
    return [(unit, end) for unit in (*UNITS, *pairs) for end in ENDINGS]


def shaped_text(shape: tuple[str, str], size: int) -> str:
    """The unit repeated to `size` characters, the last one the failing ending."""
    unit, end = shape
    return (unit * (size // len(unit) + 1))[: size - 1] + end


def adversarial_texts(size: int) -> Iterator[str]:
    """Each unit, and each neighbouring pair of units, repeated to `size` characters and given a failing end."""
    for shape in shapes():
        yield shaped_text(shape, size)


def _our_file(filename: str) -> bool:
    path = Path(filename)
    try:
        rel = path.resolve().relative_to(ROOT)
    except (ValueError, OSError):
        return False
    return rel.parts[0] in PACKAGES


def record_patterns() -> dict[tuple[str, int], str]:
    """{(pattern, flags): where} for every pattern compiled by our code during import and the sample calls."""
    found: dict[tuple[str, int], str] = {}
    original = re._compile  # type: ignore[attr-defined]

    def recording(pattern: Any, flags: Any) -> re.Pattern:
        compiled = original(pattern, flags)
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename.startswith(str(Path(re.__file__).parent)):
            frame = frame.f_back
        if frame is not None and _our_file(frame.f_code.co_filename):
            key = (compiled.pattern, compiled.flags)
            if isinstance(compiled.pattern, str):
                found.setdefault(key, f"{Path(frame.f_code.co_filename).relative_to(ROOT)}:{frame.f_lineno}")
        return compiled

    re._compile = recording  # type: ignore[attr-defined]
    re.purge()
    try:
        modules = list(_import_all())
        _call_cached_builders(modules)
        _run_entry_points()
    finally:
        re._compile = original  # type: ignore[attr-defined]
    return found


def _import_all() -> Iterator[Any]:
    for package in PACKAGES:
        root = importlib.import_module(package)
        yield root
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            if info.name.endswith("__main__"):
                continue
            try:
                yield importlib.import_module(info.name)
            except Exception:  # noqa: BLE001 - an optional backend that does not import here compiles nothing
                continue


def _call_cached_builders(modules: list[Any]) -> None:
    """Argument-free cached functions are where data-driven patterns are built (figures, claims, units...)."""
    for module in modules:
        for value in list(vars(module).values()):
            wrapped = getattr(value, "__wrapped__", None)
            if not isinstance(value, functools._lru_cache_wrapper) or wrapped is None:
                continue
            if getattr(wrapped, "__module__", None) != module.__name__ or wrapped.__code__.co_argcount:
                continue
            try:
                value()
            except Exception:  # noqa: BLE001, S112 - a builder that needs a model or a server: its patterns are found below
                continue


SAMPLES = (
    "Are the Ridge 40 boots waterproof? I need them in 2-3 days, under €150, one hundred and twenty grams.",
    "Half price: now 84,50 EUR! 30% off, stock: 3 left, weight_g: 760, 20-35 L, 1.5 cm, #1 seller, not breathable.",
    "Sind die Schuhe wasserdicht? Lieferung in zwei Tagen, Rückgabe 30 Tage. **Neu**: [Link](https://h/x)",
)


def _run_entry_points() -> None:
    """The text functions a customer's or marketer's words reach without a model (each a public seam)."""
    from assistant.security import sanitize_evidence, text_problem
    from generation.claims import extract_claims
    from generation.figures import extract_facts, unsupported

    calls = [extract_facts, lambda t: unsupported(t, []), extract_claims, text_problem, sanitize_evidence]
    for text in SAMPLES:
        for call in calls:
            try:
                call(text)
            except Exception:  # noqa: BLE001, S112 - only the patterns they compile matter here
                continue


def time_shapes(
    pattern: re.Pattern[str], todo: list[tuple[str, str]], size: int, budget_s: float
) -> dict[tuple[str, str], float]:
    """Seconds (search + every match) per adversarial shape at `size` characters; stops early once one text is over
    budget."""
    took: dict[tuple[str, str], float] = {}
    for shape in todo:
        text = shaped_text(shape, size)
        start = time.perf_counter()
        for _ in pattern.finditer(text):
            pass
        took[shape] = time.perf_counter() - start
        if took[shape] > budget_s:
            break
    return took


# A pattern that its caller applies only to a bounded slice says so in the pattern: "(?#bounded:60)".
_BOUNDED = re.compile(r"\(\?#bounded:(\d+)\)")
# Four times the text in more than GROWTH_LIMIT times the time (linear is 4, quadratic 16) is super-linear, once the
# time is above the timer's noise.
GROWTH_LIMIT = 10.0
NOISE_S = 0.15
# Which shapes are timed at the full size (see `_times`).
PROMOTE_S = NOISE_S / 256
PROMOTE_TOP = 3


def _times(source: str, flags: int, top: int, budget_s: float) -> tuple[list[float], list[int], str]:
    """The slowest text's seconds at a sixteenth, a quarter and all of `top` characters (stopping once over budget).

    Every shape is timed at the two smaller sizes; at the full size, which costs three quarters of the time, only the
    shapes that could be flagged there: those over PROMOTE_S at a quarter, and the PROMOTE_TOP slowest. A shape under
    PROMOTE_S at a quarter stays under NOISE_S at the full size even at quartic growth (x256), where neither measure
    of `_flagged` could flag it; exponential shapes are over the budget at a sixteenth already. On ten planted
    patterns (issue 25) it flagged the same ones as timing every shape at every size, in two thirds of the time;
    tests/security/test_regex_budget.py keeps two of them.
    """
    pattern = re.compile(source, flags)
    todo = shapes()
    times: list[float] = []
    sizes: list[int] = []
    worst: tuple[str, str] = todo[0]
    for step in (top // 16, top // 4, top):
        took = time_shapes(pattern, todo, step, budget_s)
        worst = max(took, key=took.__getitem__)
        times.append(took[worst])
        sizes.append(step)
        if took[worst] > budget_s:
            break
        if step == top // 4:
            ranked = sorted(took, key=took.__getitem__, reverse=True)
            todo = [s for i, s in enumerate(ranked) if i < PROMOTE_TOP or took[s] >= PROMOTE_S]
    return times, sizes, shaped_text(worst, sizes[-1])[:24]


def _flagged(times: list[float], budget_s: float) -> bool:
    growth = times[-1] / max(times[-2], 1e-6) if len(times) > 1 else 1.0
    return times[-1] > budget_s or (times[-1] > NOISE_S and growth > GROWTH_LIMIT)


def audit(size: int, budget_s: float) -> dict[str, Any]:
    """Every recorded pattern timed at `size` characters: the slowest ones and those over `budget_s` or growing
    faster than linearly from a quarter of the size. A flagged pattern is timed up to three times more and judged on the fastest
    of each measure: a busy machine only ever adds time."""
    rows = []
    for (source, flags), where in record_patterns().items():
        declared = _BOUNDED.search(source)
        top = min(size, int(declared.group(1))) if declared else size
        times, sizes, unit = _times(source, flags, top, budget_s)
        for _ in range(3):
            if not _flagged(times, budget_s):
                break
            again, _sizes, _unit = _times(source, flags, top, budget_s)
            times = [min(a, b) for a, b in zip(times, again, strict=False)]
        growth = times[-1] / max(times[-2], 1e-6) if len(times) > 1 else 1.0
        rows.append(
            {"where": where, "pattern": source[:160], "seconds": round(times[-1], 4), "size": sizes[len(times) - 1],
             "unit": unit, "growth": round(growth, 1), "flagged": _flagged(times, budget_s)}
        )  # fmt: skip
    rows.sort(key=lambda r: -r["seconds"])
    over = [r for r in rows if r["flagged"]]
    return {
        "patterns": len(rows),
        "size": size,
        "budget_s": budget_s,
        "over_budget": over,
        "slowest": rows[:15],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=4096, help="characters of adversarial text per pattern")
    parser.add_argument("--budget", type=float, default=0.05, help="seconds one pattern may take on one text")
    parser.add_argument("--json", type=Path, help="write the report here")
    args = parser.parse_args(argv)
    report = audit(args.size, args.budget)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    for row in report["slowest"]:
        print(
            f"{row['seconds']:8.4f}s x{row['growth']:<5} {row['size']:5}  {row['where']:45} {row['unit']!r:28} {row['pattern'][:80]}"
        )
    print(
        f"{report['patterns']} patterns, {len(report['over_budget'])} over {args.budget}s at {args.size} chars"
    )
    return 1 if report["over_budget"] else 0


if __name__ == "__main__":
    sys.exit(main())
