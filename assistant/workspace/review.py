"""Lines of stored drafts checked with generation's own rules (`generation.Rules`, `generation.validate_draft`), so an
edited line is held to what a drafted one is: the channel's limits, the brief's banned terms and claims, figures and
promotions the facts do not back. Also: a drafter's result (`CopyDrafts`) as stored lines.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.errors import BadInput, InvalidChoice
from assistant.tools.copy import build_request, shop_points
from assistant.tools.results import DraftOut
from assistant.workspace.types import DraftLine, DraftRecord, LineCheck
from generation import BadBrief, CopyRequest, Draft, Rules, find_brief, get_channel, validate_draft

PINNABLE = {
    "headlines": 3,
    "descriptions": 2,
}  # Google RSA: headline positions 1-3, description positions 1-2


def field_label(spec: Any, position: int) -> str:
    """ "Headline 3", "Email subject line", "SMS text": the field as a marketer reads it."""
    name = re.sub(r"\s*\(.*\)$", "", spec.label).strip()
    name = name[:1].upper() + name[1:]
    return f"{name} {position}" if spec.kind == "lines" else name


def _info(item: Any, name: str) -> Any:
    if item is None:
        return None
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def lines_of(draft: DraftOut, channel: str) -> list[DraftLine]:
    """A drafted variant as lines: per line its source, backing facts and pin where the drafter gives them (its
    `lines`), else the field's source."""
    specs = get_channel(channel).fields
    rich = getattr(draft, "lines", None) or {}
    out: list[DraftLine] = []
    known = {s.name for s in specs}
    for spec in specs:
        value = draft.fields.get(spec.name)
        if value is None:
            continue
        texts = value if isinstance(value, list) else [value]
        infos = list(rich.get(spec.name) or []) if isinstance(rich, dict) else []
        for position, text in enumerate(texts, start=1):
            info = infos[position - 1] if position <= len(infos) else None
            out.append(
                DraftLine(
                    field=spec.name,
                    position=position,
                    text=str(text),
                    source=str(_info(info, "source") or draft.sources.get(spec.name, "")),
                    backing=list(_info(info, "backing") or []),
                    pin=_info(info, "pin"),
                    max_chars=spec.max_chars,
                    label=field_label(spec, position),
                )
            )
    for name, value in draft.fields.items():  # a field the channel spec does not list is kept, not dropped
        if name not in known:
            for position, text in enumerate(value if isinstance(value, list) else [value], start=1):
                out.append(
                    DraftLine(field=name, position=position, text=str(text), label=f"{name} {position}")
                )
    return out


def angle_of(draft: DraftOut) -> str:
    return str(getattr(draft, "angle", "") or "")


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


class LineReviewer:
    """The rules of one drafting request (products, channel, brief, segment), applied to lines."""

    def __init__(self, request: CopyRequest):
        self.request = request
        self.rules = Rules(request)
        self.specs = {s.name: s for s in get_channel(request.channel).fields}

    def spec(self, field: str) -> Any:
        try:
            return self.specs[field]
        except KeyError:
            raise InvalidChoice(
                "field", field, list(self.specs), what=f"{self.request.channel} field"
            ) from None

    def check(self, field: str, text: str) -> LineCheck:
        """The line's problems under the same rules as generation (and its backing facts, where the rules give them)."""
        spec = self.spec(field)
        review = getattr(self.rules, "review", None)  # newer rules return (problems, backing)
        if callable(review):
            problems, backing = review(text, spec)
        else:
            problems, backing = self.rules.problems(text, spec), []
        return LineCheck(
            field=field,
            text=text,
            chars=len(text),
            max_chars=spec.max_chars,
            problems=list(problems),
            backing=list(backing),
        )

    def review(self, record: DraftRecord) -> DraftRecord:
        """The record with every line's problems and the whole draft's (counts, duplicates, generation's last check)."""
        lines = []
        for line in record.lines:
            if line.field not in self.specs:
                lines.append(
                    line.model_copy(update={"problems": [f"{line.field} is not a field of this channel"]})
                )
                continue
            check = self.check(line.field, line.text)
            problems = check.problems + self._pin_problems(line)
            lines.append(
                line.model_copy(update={"problems": problems, "backing": line.backing or check.backing})
            )
        record = record.model_copy(update={"lines": lines})
        record.problems = self.structure(lines)
        if not record.problems and not any(line.problems for line in lines):
            # Generation's whole-draft check is the last word: anything it finds that the lines did not show stays.
            record.problems = validate_draft(self.as_draft(record), self.rules)
        return record

    def structure(self, lines: list[DraftLine]) -> list[str]:
        """Missing fields, too few or too many lines, the same line twice in a field."""
        problems = []
        for spec in self.specs.values():
            items = [line for line in lines if line.field == spec.name]
            label = field_label(spec, 0).removesuffix(" 0").lower()
            if not items:
                problems.append(f"no {label}")
            elif spec.kind == "lines" and not spec.min <= len(items) <= spec.max:
                problems.append(f"{len(items)} {label}s; {spec.min} to {spec.max} are needed")
            seen: set[str] = set()
            for line in items:
                key = _norm(line.text)
                if key and key in seen:
                    problems.append(f"{line.label} repeats another {label}")
                seen.add(key)
        return problems

    @staticmethod
    def _pin_problems(line: DraftLine) -> list[str]:
        if line.pin is None:
            return []
        top = PINNABLE.get(line.field)
        if top is None:
            return [f"{line.label} cannot be pinned (only headlines and descriptions can)"]
        if not 1 <= line.pin <= top:
            return [f"{line.label} pinned to position {line.pin}; positions 1 to {top} exist"]
        return []

    def as_draft(self, record: DraftRecord) -> Draft:
        fields: dict[str, Any] = {}
        for name, spec in self.specs.items():
            items = [
                line.text for line in sorted(record.lines, key=lambda x: x.position) if line.field == name
            ]
            if items:
                fields[name] = items if spec.kind == "lines" else items[0]
        return Draft(
            channel=record.channel, variant=record.variant, fields=fields, final_url=record.final_url
        )


def reviewer_for(services: Any, record: DraftRecord) -> LineReviewer:
    """The reviewer for a stored draft's request: its products from the catalog, its brief from the campaigns folder."""
    settings = services["settings"]
    brief = None
    if record.brief_id:
        try:
            brief = find_brief(settings.demo_dir / "campaigns", record.brief_id)
        except BadBrief as exc:
            raise BadInput(f"draft {record.draft_id}: {exc.message}") from exc
    request = build_request(
        services["catalog"], record.skus, record.channel, variants=1, brief=brief, segment=record.segment,
        shop=shop_points(settings),
    )  # fmt: skip
    return LineReviewer(request)
