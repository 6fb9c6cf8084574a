"""How the composer writes what it picked: the shape of a composed answer (`Composition`), the fixed phrases around
the evidence in the reply's language, citation marks, table rows led by the cell the question asks for, list items
read with their list's lead, and a sentence with the section that names what it is about."""

from __future__ import annotations

from dataclasses import dataclass, field

from generation.facts import says_free
from generation.guard import extract_facts
from generation.question import is_negative, tokens
from generation.terms import grounded_data, terms
from generation.units import Unit

FIGURE_KINDS = {
    "price": {"price"},
    "duration": {"duration"},
    "time": {"duration", "number"},
    "place": set(),
    "weight": {"weight"},
    "temperature": {"temperature"},
}
# measures whose unit says which figure they are ("1620 g" a weight, "-20 °C" a temperature)
_MEASURE_KINDS = {"g": "weight", "°c": "temperature", "°f": "temperature"}


def fact_kinds(text: str) -> set[str]:
    """The kinds of figure `text` states: price, duration, number, measure, and weight or temperature for a measure
    in such a unit."""
    facts = extract_facts(text)
    kinds = {f.kind for f in facts}
    kinds |= {_MEASURE_KINDS[f.unit] for f in facts if f.kind == "measure" and f.unit in _MEASURE_KINDS}
    if says_free(text):  # "the return label is free" answers what a return costs
        kinds.add("price")
    return kinds


# Column names that say what a table column holds, for leading with the cell a question asks for.
COLUMN_WORDS = {
    "price": ("cost", "price", "fee", "kosten", "preis", "gebühr", "prix", "coût", "frais", "precio", "coste",
              "prezzo", "costo"),
    "duration": ("time", "period", "kept", "valid", "duration", "zeit", "dauer", "frist", "délai", "durée",
                 "plazo", "tiempo", "durata", "tempo"),
    "time": ("hours", "time", "opening", "zeiten", "öffnung", "horaires", "horario", "orari"),
    "place": ("address", "adresse", "dirección", "indirizzo", "location", "store"),
}  # fmt: skip

MAX_LEAD_WORDS = 12


@dataclass(frozen=True)
class Scored:
    unit: Unit
    score: float
    matched: float  # share of the question's term weight the unit (with its heading) covers


@dataclass
class Composition:
    """The composed answer: text with [n] citations, the evidence numbers it cites, and how it was composed."""

    text: str
    cited: list[int] = field(default_factory=list)
    kind: str = "extract"  # yes | no | not_offered | figure | list | extract | quote
    units: list[Unit] = field(default_factory=list)
    confidence: float = 1.0  # how surely the units state what was asked (`generation.lead`)
    opening: str = (
        ""  # the composer's own words before the evidence ("No.", "Here is what our ... page says:")
    )
    closing: str = ""  # and after it (the offer of a person under a quote)


def phrase(language: str, key: str) -> str:
    phrases = grounded_data()["phrases"]
    return phrases.get(language, phrases["en"]).get(key) or phrases["en"][key]


def cite(text: str, index: int) -> str:
    text = text.strip()
    if text and text[-1] in ".!?:":
        return f"{text[:-1]} [{index}]{text[-1]}" if text[-1] != ":" else f"{text[:-1]} [{index}]."
    return f"{text} [{index}]."


def wanted_column(unit: Unit, figure: str) -> str | None:
    """The column of a table row that holds what the question asks for (by its name, else by its figures)."""
    if unit.kind != "table_row" or not figure:
        return None
    names = list(unit.fields)
    for name in names[1:]:
        if any(w in name.lower() for w in COLUMN_WORDS.get(figure, ())):
            return name
    kinds = FIGURE_KINDS.get(figure, set())
    for name in names[1:]:
        if kinds & fact_kinds(unit.fields[name]):
            return name
    return None


def row_holds_figure(unit: Unit, figure: str, q_terms: frozenset[str]) -> bool:
    """A table row whose first cell the question names in part ("jackets" of "Jackets and trousers") and whose
    column for the wanted figure holds one: the row states the asked figure as a fact, not in passing."""
    if unit.kind != "table_row" or not terms(unit.label) & q_terms:
        return False
    column = wanted_column(unit, figure)
    kinds = FIGURE_KINDS.get(figure, set())
    return column is not None and bool(kinds & fact_kinds(unit.fields[column]))


def figure_line(unit: Unit, figure: str) -> str:
    """A unit that leads with the figure: a row's wanted cell after its label, a sentence after its figure."""
    column = wanted_column(unit, figure)
    if column is not None:
        label_columns = [k for k in unit.fields if k != column and not column_kind(k)]
        label = " — ".join(unit.fields[k] for k in label_columns)
        extra = [f"{k}: {unit.fields[k]}" for k in unit.fields if k != column and k not in label_columns]
        line = f"{label}: {unit.fields[column]}" if label else unit.fields[column]
        return line + (f" ({'; '.join(extra)})" if extra else "")
    return unit.text  # a sentence is quoted whole: the lead unit was chosen for holding the figure


def column_kind(name: str) -> str:
    low = name.lower()
    return next((kind for kind, words in COLUMN_WORDS.items() if any(w in low for w in words)), "")


def says_yes_or_no(text: str) -> bool:
    first = tokens(text)[:1]
    yes_no = {str(p.get(k, "")).lower() for p in grounded_data()["phrases"].values() for k in ("yes", "no")}
    return bool(first) and first[0] in yes_no


def without_yes_or_no(text: str) -> str:
    """`text` without a leading "Yes." / "Nein," (a FAQ answer's reply to its own question)."""
    if not says_yes_or_no(text):
        return text
    rest = text.split(None, 1)[1] if len(text.split(None, 1)) > 1 else ""
    return rest[:1].upper() + rest[1:] if rest else text


def holds(unit: Unit, figure: str) -> bool:
    """`unit` states a figure of the kind asked for (a place needs no figure)."""
    kinds = FIGURE_KINDS.get(figure, set())
    return not kinds or bool(kinds & fact_kinds(unit.text))


def page_name(unit: Unit) -> str:
    """The page a unit is on, as its readers know it: the first heading of its path, else its own heading."""
    return (unit.path.split(" > ")[0] if unit.path else unit.heading).strip() or unit.heading


def render(unit: Unit, figure: str, question: str = "", shown_leads: set[str] | None = None) -> str:
    text = figure_line(unit, figure) if figure else unit.text
    lead = unit.lead.rstrip(" :")
    # A list item is read with the lead of its list ("Items we cannot take back unless faulty: Gas canisters"), once
    # per answer: the lead says what the list is, and its polarity.
    if (
        unit.kind == "list_item"
        and shown_leads is not None
        and lead
        and lead not in shown_leads
        and len(lead.split()) <= MAX_LEAD_WORDS
        and not terms(lead) <= terms(text)
        and (
            len(text.split()) < 6
            or unit.lead.endswith(":")
            or (is_negative(lead) and not is_negative(text))  # the lead says no: "cannot take back: food"
        )  # a bare item, or a list with a lead-in sentence
    ):
        shown_leads.add(lead)
        return f"{lead}: {text}"
    if unit.kind == "list_item" and shown_leads is not None and lead in shown_leads:
        return text
    heading = unit.heading.rstrip(":")
    # A section that names what the sentence is about ("Graz (flagship and repair workshop)") goes with it when
    # the sentence itself does not say it.
    if (
        unit.kind == "prose"
        and heading
        and not heading.endswith("?")
        and len(heading.split()) <= 6
        and heading.lower() not in text.lower()
        and question
        and (terms(heading) & terms(question) or figure == "place")
    ):
        return f"{heading}: {text}"
    return text
