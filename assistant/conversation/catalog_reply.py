"""A catalog query's result as a reply: Markdown (bold names, numbered lists, a side-by-side table) in the customer's
language, every figure taken from a row and cited [n] with that row as the evidence.

The phrases are data (`catalog_phrases.yaml`, one block per language). The reply leads with what was asked: the
winner of a ranking, "Yes"/"No" for fit and attribute questions, the figure for a fact; then the rest.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from assistant.commerce.lexicon import Lexicon, lexicon
from assistant.tools.results import CatalogQueryResult, CatalogRow

PHRASES_PATH = Path(__file__).with_name("catalog_phrases.yaml")


@cache
def phrases() -> dict[str, dict[str, Any]]:
    """The reply phrases by language; `ValueError` if a language lacks a phrase English has."""
    data = yaml.safe_load(PHRASES_PATH.read_text(encoding="utf-8")) or {}
    english = data.get("en") or {}
    for language, block in data.items():
        missing = sorted(set(english) - set(block or {}))
        if missing:
            raise ValueError(f"{PHRASES_PATH}: {language} lacks {', '.join(missing)}")
    return data


def plural(word: str) -> str:
    """An English noun phrase in the plural, by the regular rules ("sleeping bag" -> "sleeping bags")."""
    if not word or word.endswith("s"):
        return word
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("ch", "sh", "x", "z")) else "s")


_LIST_ITEM = re.compile(r"^(?:[-*]|\d+\.)\s")


def _blocks(lines: list[str]) -> str:
    """Lines as Markdown blocks: a blank line before a list or a table that follows text, and after one (in
    CommonMark a list starting at 2 cannot interrupt a paragraph, and a table needs its own block)."""
    out: list[str] = []
    for line in lines:
        kind = "list" if _LIST_ITEM.match(line) else "table" if line.startswith("|") else "text"
        before = out[-1] if out else ""
        before_kind = "list" if _LIST_ITEM.match(before) else "table" if before.startswith("|") else "text"
        if out and before and kind != before_kind:
            out.append("")
        out.append(line)
    return "\n".join(out)


class CatalogReply:
    """Builds the reply text of one catalog result, citing rows through `cite(row) -> n`."""

    def __init__(self, result: CatalogQueryResult, language: str, cite: Any, lex: Lexicon | None = None):
        self.result = result
        self.language = language if language in phrases() else "en"
        self.cite = cite
        self.lex = lex or lexicon()

    def say(self, key: str, **values: Any) -> str:
        block = phrases()[self.language]
        return str(block.get(key, phrases()["en"][key])).format(**values)

    def label(self, attribute: str, header: bool = False) -> str:
        """What an attribute is called in a sentence ("weight", "Gewicht") or as a table row header ("Weight")."""
        fixed = phrases()[self.language]["labels"]
        try:
            word = self.lex.attribute(attribute).label_in(self.language)
        except KeyError:
            word = fixed.get(attribute) or attribute.replace("_", " ")
        if header:
            return fixed.get(attribute) or word[:1].upper() + word[1:]
        return word

    def stock(self, row: CatalogRow) -> str:
        return self.say("in_stock_count", count=row.stock) if row.in_stock else self.say("out_of_stock")

    def money(self, row: CatalogRow) -> str:
        return f"{row.price:.2f} {row.currency}"

    def facts(self, row: CatalogRow, attributes: list[str]) -> str:
        """The row's figures for `attributes`, the colours or sizes a filter asked for, its price and its stock."""
        bits = [row.figures[a].text for a in attributes if a in row.figures and a != "price"]
        for asked, listed in (("colour", row.colours), ("size", row.sizes)):
            if self.result.filters.get(asked) and listed:
                bits.append(f"{self.label(asked + 's')} {' | '.join(listed)}")
        return ", ".join([*bits, self.money(row), self.stock(row)])

    def line(self, row: CatalogRow, attributes: list[str], number: int | None = None) -> str:
        bullet = f"{number}." if number else "-"
        return f"{bullet} **{row.name}** ({row.sku}): {self.facts(row, attributes)} [{self.cite(row)}]"

    # -- one function per operation -------------------------------------------------------------------------------
    def text(self, asked_kind: str | None = None, yes_no: bool = False, open_question: bool = False) -> str:
        """The reply; `yes_no`: the message asked yes or no (a filter of one product answers so); `open_question`:
        it asked "which ..." (a claim's sentence answers it without a yes or no in front)."""
        self.open_question = open_question
        r = self.result
        answer = self._yes_no() if yes_no and r.operation == "filter" else None
        if answer is not None:
            return answer
        if r.operation in ("rank", "filter") and not r.kind_known:
            lines = [self.say("unknown_kind", kind=asked_kind or plural(r.kind or ""))]
            lines += self._closest()
        else:
            render = {
                "rank": self._rank,
                "filter": self._filter,
                "compare": self._compare,
                "compatibility": self._compatibility,
                "attribute": self._attribute,
                "facts": self._facts,
            }[r.operation]
            lines = render()
        if r.unresolved:
            lines.append(self.say("unresolved", names="”, “".join(r.unresolved)))
        return _blocks([line for line in lines if line])

    def _yes_no(self) -> str | None:
        """ "does it come in red?", "is it under 100 EUR?" of one product: yes or no first, then its row (with the
        colours or sizes asked about); None when the question was not about one product."""
        r = self.result
        if len(r.named) != 1:
            return None
        attributes = [limit["attribute"] for limit in r.filters.get("limits", [])]
        for key, rows in (("filter_yes", r.rows), ("filter_no", r.closest)):
            row = next((x for x in rows if x.sku == r.named[0]), None)
            if row is not None:
                figure = self.facts(row, attributes)
                return self.say(key, name=row.name, sku=row.sku, figure=figure, n=self.cite(row))
        return None

    def _closest(self) -> list[str]:
        if not self.result.closest:
            return [self.say("nothing_close")]
        return [self.say("closest"), *(self.line(row, []) for row in self.result.closest)]

    def _rank(self) -> list[str]:
        r = self.result
        if not r.rows:
            return self._unranked()
        spec = self.lex.attribute(r.sort_by) if r.sort_by else None
        attributes = [r.sort_by] if r.sort_by else []
        first, rest = r.rows[0], r.rows[1:]
        if spec is None:
            return [
                self.say("filter_lead", total=r.total),
                *(self.line(x, [], i) for i, x in enumerate(r.rows, 1)),
            ]
        direction = "high" if r.order == "desc" else "low"
        best = spec.best_label(direction, self.language)
        key = "rank_lead_named" if r.named else "rank_lead" if r.kind else "rank_lead_any"
        lead = self.say(
            key,
            best=best,
            best_lower=best[:1].lower() + best[1:],
            kind=self.kind(),
            name=first.name,
            sku=first.sku,
            figure=self.facts(first, attributes),
            n=self.cite(first),
        )
        lines = [lead]
        if rest:
            lines.append(self.say("rank_rest", label=self.label(spec.name)))
            lines += [self.line(x, attributes, i) for i, x in enumerate(rest, 2)]
        if r.without_figure:
            names = ", ".join(f"{x.name} [{self.cite(x)}]" for x in r.without_figure)
            lines.append(self.say("without_figure", label=self.label(spec.name), names=names))
        return lines + self._ignored()

    def _unranked(self) -> list[str]:
        r = self.result
        if r.without_figure:
            spec = self.lex.attribute(r.sort_by) if r.sort_by else None
            label = self.label(spec.name) if spec else ""
            best = spec.best_label("high" if r.order == "desc" else "low", self.language) if spec else ""
            by_price = sorted(r.without_figure, key=lambda x: x.price)
            return [self.say("cannot_rank", label=label, best=best), *(self.line(x, []) for x in by_price)]
        return [self.say("none_match"), *self._closest(), *self._ignored()]

    def kind(self) -> str:
        """The kind with the descriptive words that narrowed it ("waterproof jacket")."""
        used = [w for w in self.result.filters.get("words", []) if w not in self.result.ignored_words]
        return " ".join([*used, self.result.kind or ""]).strip()

    def _ignored(self) -> list[str]:
        words = self.result.ignored_words
        return [self.say("ignored", words=", ".join(words))] if words else []

    def _filter(self) -> list[str]:
        r = self.result
        if not r.rows:
            return self._unranked()
        attributes = [limit["attribute"] for limit in r.filters.get("limits", [])]
        if r.targets:
            target = r.targets[0]
            lead = self.say("fits_lead", name=target.name, sku=target.sku, n=self.cite(target))
            return [lead, *(self.line(x, attributes) for x in r.rows)] + self._ignored()
        if r.sort_by and r.sort_by != "price":
            lead = self.say("filter_lead_sorted", total=r.total, label=self.label(r.sort_by))
            attributes.append(r.sort_by)
        else:
            lead = self.say("filter_lead", total=r.total)
        return [lead, *(self.line(x, attributes, i) for i, x in enumerate(r.rows, 1))] + self._ignored()

    def _compare(self) -> list[str]:
        r = self.result
        rows = r.rows
        header = "| | " + " | ".join(f"**{x.name}** [{self.cite(x)}]" for x in rows) + " |"
        table = [header, "|---" * (len(rows) + 1) + "|"]
        table.append(
            f"| {self.label('price', header=True)} | " + " | ".join(self.money(x) for x in rows) + " |"
        )
        for attribute in r.compared:
            if attribute != "price":
                cells = " | ".join(x.figures[attribute].text for x in rows)
                table.append(f"| {self.label(attribute, header=True)} | {cells} |")
        table.append(
            f"| {self.label('stock', header=True)} | " + " | ".join(self.stock(x) for x in rows) + " |"
        )
        lines = [self.say("compare_lead"), *table]
        if [a for a in r.compared if a != "price"] == []:
            lines.append(self.say("compare_only"))
        return lines

    def _compatibility(self) -> list[str]:
        r = self.result
        by_sku = {x.sku: x for x in r.rows}
        if not r.fits:
            if not r.rows:
                return [self.say("none_match")]
            main, listed = r.rows[0], r.rows[1:]
            n = self.cite(main)
            if not listed:
                return [self.say("fits_none", name=main.name, sku=main.sku, n=n)]
            lead = self.say("fits_lead", name=main.name, sku=main.sku, n=n)
            return [lead, *(self.line(x, []) for x in listed)]
        lines = []
        for fit in r.fits:
            a, b = by_sku[fit.sku], by_sku[fit.other]
            key = "fit_yes" if fit.fits else "fit_no"
            n = self.cite(
                b if fit.listed and a.sku in b.compatible_with and b.sku not in a.compatible_with else a
            )
            lines.append(self.say(key, a=a.name, sku_a=a.sku, b=b.name, sku_b=b.sku, n=n))
            if fit.sentence:
                source = b if fit.sentence in b.text and fit.sentence not in a.text else a
                lines.append(self.say("fit_said", sentence=fit.sentence, m=self.cite(source)))
            if not fit.fits and a.compatible_names:
                lines.append(self.say("fit_listed_for", a=a.name, names=", ".join(a.compatible_names)))
        return lines

    def _attribute(self) -> list[str]:
        r = self.result
        by_sku = {x.sku: x for x in r.rows}
        lines = []
        for answer in r.claims:
            row = by_sku[answer.sku]
            values = {"name": row.name, "sku": row.sku, "n": self.cite(row)}
            if answer.polarity == "unknown":
                # what the description does say, and that it does not say this
                key = "claim_unknown_said" if answer.sentence else "claim_unknown"
                lines.append(self.say(key, term=answer.term, sentence=answer.sentence, **values))
            else:
                key = "claim_yes" if answer.polarity == "yes" else "claim_no"
                key = "claim_said" if getattr(self, "open_question", False) else key
                # a yes from the materials list says how much where the description measures it
                sentence = (
                    f"{answer.sentence.rstrip('.')}. {answer.measured}"
                    if answer.measured
                    else answer.sentence
                )
                lines.append(self.say(key, sentence=sentence, **values))
        if r.claims and all(a.polarity == "unknown" for a in r.claims):
            lines.append(self.say("claim_offer"))
        return lines

    def _facts(self) -> list[str]:
        r = self.result
        attribute = r.sort_by or "price"
        lines = []
        for row in r.rows:
            if attribute == "price":
                value = f"{self.money(row)}, {self.stock(row)}"
            elif attribute == "stock":
                values = {"name": row.name, "sku": row.sku, "value": self.stock(row), "n": self.cite(row)}
                lines.append(self.say("fact_stock", **values))
                continue
            elif attribute in ("colours", "sizes"):
                # sizes of a product that is out of stock: say so beside them
                value = f"{', '.join(getattr(row, attribute)) or '—'} ({self.stock(row)})"
            elif attribute in row.figures:
                value = row.figures[attribute].text
            else:
                lines.append(
                    self.say(
                        "claim_unknown",
                        name=row.name,
                        sku=row.sku,
                        term=self.label(attribute),
                        n=self.cite(row),
                    )
                )
                continue
            lines.append(
                self.say(
                    "fact",
                    name=row.name,
                    sku=row.sku,
                    label=self.label(attribute),
                    value=value,
                    n=self.cite(row),
                )
            )
        return lines
