"""The draft book: drafts kept as records, edited line by line under generation's rules, approved or rejected, and
"more like this" (draft again, keep the lines closest to one chosen line).

`draft_copy` (the tool) hands its result to `DraftBook.record`, whichever door it was called through; the application
API (`assistant.workspace.api`) calls the rest.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from assistant.errors import BadInput, NotFound
from assistant.storage.drafts import DraftStore, NewSet, NewVariant
from assistant.tools.results import CopyDrafts
from assistant.workspace.review import PINNABLE, LineReviewer, angle_of, lines_of, reviewer_for
from assistant.workspace.targets import known_brief, product_names
from assistant.workspace.types import DraftLine, DraftRecord, LineCheck

POOL_VARIANTS = 5  # "more like this" drafts this many variants and picks the lines closest to the chosen one
UNSET = object()


class DraftBook:
    """Stored drafts over the service's database and services (settings, catalog, llm, embedder)."""

    def __init__(self, store: DraftStore, services: Any):
        self.store = store
        self.services = services

    # -- storing what the drafter wrote -----------------------------------------------------------------------------
    def record(
        self,
        result: CopyDrafts,
        *,
        asked_by: str,
        session_id: str | None = None,
        segment: str | None = None,
        origin: str = "draft_copy",
        parent: tuple[int, str] | None = None,
    ) -> CopyDrafts:
        """Store every variant of a drafter's result; the result comes back with the stored drafts' ids."""
        variants = [
            NewVariant(
                variant=d.variant,
                lines=lines_of(d, result.channel),
                angle=angle_of(d),
                final_url=d.final_url or "",
            )
            for d in result.drafts
        ]
        ids = self.store.create_set(
            NewSet(
                asked_by=asked_by,
                channel=result.channel,
                skus=list(result.skus),
                variants=variants,
                brief_id=result.brief_id,
                segment=segment,
                session_id=session_id,
                origin=origin,
                parent_draft_id=parent[0] if parent else None,
                parent_line=parent[1] if parent else None,
                distinct_2=result.distinct_2,
            )
        )
        return result.model_copy(update={"draft_ids": ids})

    # -- reading ----------------------------------------------------------------------------------------------------
    def _named(self, records: list[DraftRecord]) -> list[DraftRecord]:
        catalog = self.services.get("catalog")
        for record in records:
            record.products = product_names(catalog, record.skus)
        return records

    def list(
        self,
        *,
        brief_id: str | None = None,
        channel: str | None = None,
        status: str | None = None,
        set_id: int | None = None,
    ) -> list[DraftRecord]:
        """Drafts filtered by brief ("none" for drafts without one), channel and status; unknown values refused."""
        no_brief = brief_id == "none"
        if brief_id and not no_brief and brief_id not in {b for b in self.store.briefs() if b}:
            known_brief(
                self.services["settings"].demo_dir / "campaigns", brief_id
            )  # InvalidChoice if no such brief
        if channel:
            from generation import channel_specs

            names = list(channel_specs())
            if channel not in names:
                from assistant.errors import InvalidChoice

                raise InvalidChoice("channel", channel, names)
        records = self.store.list(
            brief_id=None if no_brief else brief_id or None,
            channel=channel or None,
            status=status or None,
            set_id=set_id,
            no_brief=no_brief,
        )
        return self._named(records)

    def open(self, draft_id: int) -> DraftRecord:
        """One draft, its lines checked against today's rules, with every version."""
        record = self.store.get(draft_id, with_versions=True)
        versions = record.versions
        record = reviewer_for(self.services, record).review(record)
        record.versions = versions
        return self._named([record])[0]

    def variants(self, draft_id: int) -> list[DraftRecord]:
        """Every variant of the request a draft belongs to, side by side."""
        record = self.store.get(draft_id)
        return self.list(set_id=record.set_id)

    # -- editing ----------------------------------------------------------------------------------------------------
    def check_line(self, draft_id: int, field: str, text: str) -> LineCheck:
        """How a line would fare under the draft's rules, without saving it (the live check while typing)."""
        return reviewer_for(self.services, self.store.get(draft_id)).check(field, text)

    def edit_line(
        self,
        draft_id: int,
        field: str,
        position: int,
        text: str,
        *,
        editor: str,
        pin: Any = UNSET,
        seen_version: int | None = None,
    ) -> DraftRecord:
        """Save a line as the draft's next version: a changed text or pin, a new line after the last, or (empty text) a
        line removed. A line that breaks a rule is saved with its problems; the draft then cannot be approved."""
        record = self.store.get(draft_id)
        reviewer = reviewer_for(self.services, record)
        spec = reviewer.spec(field)
        lines, note = self._edited(record.lines, spec, position, text.strip(), pin)
        checked = reviewer.review(record.model_copy(update={"lines": lines}))
        saved = self.store.add_version(draft_id, checked.lines, editor, note, seen_version)
        return self._named([reviewer.review(saved)])[0]

    @staticmethod
    def _edited(
        lines: list[DraftLine], spec: Any, position: int, text: str, pin: Any
    ) -> tuple[list[DraftLine], str]:
        from assistant.workspace.review import field_label

        same = [line for line in lines if line.field == spec.name]
        others = [line for line in lines if line.field != spec.name]
        if pin is not UNSET and pin not in (None, "") and spec.name not in PINNABLE:
            raise BadInput(
                f"{field_label(spec, position)} cannot be pinned (only headlines and descriptions can)"
            )
        if 1 <= position <= len(same):
            line = same[position - 1]
            if not text:
                if spec.kind != "lines" or len(same) <= spec.min:
                    raise BadInput(f"{line.label} cannot be removed: {spec.min} at least are needed")
                kept = [x for x in same if x is not line]
                note = f"{line.label} removed"
            else:
                update: dict[str, Any] = {
                    "text": text,
                    "source": "edited" if text != line.text else line.source,
                }
                if pin is not UNSET:
                    update["pin"] = int(pin) if pin not in (None, "") else None
                kept = [x if x is not line else line.model_copy(update=update) for x in same]
                note = f"{line.label} edited" if text != line.text else f"{line.label} pin changed"
        elif position == len(same) + 1 and spec.kind == "lines":
            if len(same) >= spec.max:
                raise BadInput(f"{spec.max} is the most a {spec.label} field holds")
            if not text:
                raise BadInput("the new line is empty")
            new_pin = int(pin) if pin not in (UNSET, None, "") else None
            kept = [*same, DraftLine(field=spec.name, text=text, source="edited", pin=new_pin)]
            note = f"{field_label(spec, position)} added"
        else:
            raise NotFound(f"{spec.name} has {len(same)} line(s); there is no line {position}")
        renumbered = [
            x.model_copy(update={"position": i, "label": field_label(spec, i), "max_chars": spec.max_chars})
            for i, x in enumerate(kept, start=1)
        ]
        return _in_channel_order(others + renumbered, spec.name, lines), note

    def decide(self, draft_id: int, status: str, *, by: str, note: str | None = None) -> DraftRecord:
        """Approve (only a draft whose every line keeps every rule), reject, or send back to draft."""
        if status == "approved":
            record = reviewer_for(self.services, self.store.get(draft_id)).review(self.store.get(draft_id))
            if not record.approvable:
                why = record.problems + [f"{x.label}: {p}" for x in record.lines for p in x.problems]
                raise BadInput(f"draft {draft_id} cannot be approved: {'; '.join(why[:6])}")
        return self._named([self.store.decide(draft_id, status, by, note)])[0]

    # -- more like this ---------------------------------------------------------------------------------------------
    def more_like_this(
        self, draft_id: int, field: str, position: int, *, asked_by: str, variants: int = 2
    ) -> list[DraftRecord]:
        """Draft again for the same request and keep, in each new variant, the lines closest in meaning to the chosen
        one (the chosen line itself stays in its field). The new drafts are stored with the draft they came from."""
        from assistant.tools.copy import copy_drafts, copy_llm, run_draft

        if not 1 <= variants <= 5:
            raise BadInput("variants must be between 1 and 5")
        record = self.store.get(draft_id)
        seed = next((x for x in record.lines if x.field == field and x.position == position), None)
        if seed is None:
            raise NotFound(f"draft {draft_id} has no line {field} {position}")
        reviewer = reviewer_for(self.services, record)
        pool_request = reviewer.request.model_copy(update={"variants": max(POOL_VARIANTS, variants + 2)})
        drafted = copy_drafts(run_draft(pool_request, copy_llm(self.services)), record.brief_id, record.skus)
        pool = [line for d in drafted.drafts for line in lines_of(d, record.channel)]
        composed = _closest_variants(record, seed, pool, variants, self.services["embedder"], reviewer)
        ids = self.store.create_set(
            NewSet(
                asked_by=asked_by,
                channel=record.channel,
                skus=record.skus,
                variants=composed,
                brief_id=record.brief_id,
                segment=record.segment,
                origin="more_like_this",
                parent_draft_id=draft_id,
                parent_line=seed.label or seed.key,
                distinct_2=None,
            )
        )
        return [reviewer.review(r) for r in self._named(self.store.many(ids))]


def _in_channel_order(lines: list[DraftLine], edited: str, before: list[DraftLine]) -> list[DraftLine]:
    order = list(dict.fromkeys([x.field for x in before] + [edited]))
    return sorted(lines, key=lambda x: (order.index(x.field), x.position))


def _closest_variants(
    record: DraftRecord,
    seed: DraftLine,
    pool: list[DraftLine],
    variants: int,
    embedder: Any,
    reviewer: LineReviewer,
) -> list[NewVariant]:
    """New variants from the pool's lines ranked by similarity to the seed: variant k takes every k-th best line, so
    the variants differ and each stays close to what the marketer liked."""
    by_field: dict[str, list[DraftLine]] = {}
    seen: set[tuple[str, str]] = {(seed.field, seed.text.lower())}
    for line in pool:
        key = (line.field, line.text.lower())
        if key not in seen:
            seen.add(key)
            by_field.setdefault(line.field, []).append(line)
    texts = [seed.text] + [x.text for lines in by_field.values() for x in lines]
    vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    similarity = dict(zip(texts[1:], (vectors[1:] @ vectors[0]).tolist(), strict=True))
    for lines in by_field.values():
        lines.sort(key=lambda x: -similarity.get(x.text, 0.0))
    out = []
    for k in range(variants):
        lines: list[DraftLine] = []
        for spec in reviewer.specs.values():
            mine = [x for x in record.lines if x.field == spec.name]
            ranked = by_field.get(spec.name, [])
            if spec.kind == "lines":
                keep = [seed] if spec.name == seed.field else []
                want = max(len(mine), spec.min) - len(keep)
                order = ranked[k::variants] + [x for x in ranked if x not in ranked[k::variants]]
                picked = keep + order[:want]
            elif getattr(spec, "template_only", False) or not ranked:
                picked = mine[:1]
            else:
                picked = [ranked[k % len(ranked)]]
            lines += [x.model_copy(update={"position": i, "problems": []}) for i, x in enumerate(picked, 1)]
        out.append(
            NewVariant(
                variant=k + 1, lines=lines, angle=f"like “{seed.text[:40]}”", final_url=record.final_url
            )
        )
    return out
