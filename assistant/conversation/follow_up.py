"""Follow-ups resolved against the conversation: "and for Summit members?" (the last topic); what each reply was
about (`about_of`, stored with the turn). Follow-ups about the products shown are `conversation.references`'.

A follow-up is a short message that leans on what came before: it opens with a joiner ("and", "what about", "und",
"et", "y", "e") or points back ("it", "that one", "es", "ça", "lo"), and names no product or topic of its own. The
last topic is the previous service question (its reply's `About.topic`), which the follow-up's words are added to.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from assistant.conversation.reply import About

MAX_WORDS = 8
_OPENERS = re.compile(
    r"^\s*(and|also|plus|what about|how about|and what about|and if|what if|und|und wenn|und was ist mit|"
    r"was ist mit|et|et si|et pour|y|y si|y para|e|e se|e per|anche)\b",
    re.IGNORECASE,
)
_POINTERS = re.compile(
    r"\b(it|its|it's|that|this|that one|this one|they|them|those|these|es|ihn|sie|das|dieser|diese|dieses|der|die|"
    r"ça|cela|celui-ci|celle-ci|le|la|les|lo|los|las|esto|eso|este|esta|questo|questa|quello|quella|ne)\b",
    re.IGNORECASE,
)
_SKU_SOURCES = (
    "search_products",
    "get_product",
    "recommend_products",
    "similar_products",
    "compare_products",
    "query_catalog",
)


def is_follow_up(message: str) -> bool:
    """A short message that leans on the conversation (see the module docstring)."""
    words = message.split()
    if not words or len(words) > MAX_WORDS:
        return False
    return bool(_OPENERS.search(message) or _POINTERS.search(message))


def shown_products(tool_calls: list[dict[str, Any]]) -> list[str]:
    """The SKUs that a turn's product tools returned, in the order shown."""
    skus: list[str] = []
    for call in tool_calls:
        if not call.get("ok") or call.get("name") not in _SKU_SOURCES:
            continue
        result = call.get("result") or {}
        if result.get("sku"):
            skus.append(result["sku"])
        for key in ("products", "items", "rows"):
            for item in result.get(key) or []:
                sku = item.get("sku") or item.get("item_id")
                if sku:
                    skus.append(sku)
    return list(dict.fromkeys(skus))


def last_products(history: list[dict[str, Any]]) -> list[str]:
    """The SKUs the most recent turn that showed products showed, in the order shown (its `about`, or for turns
    stored before replies recorded one, its tool results)."""
    for past in reversed(history or []):
        skus = (past.get("about") or {}).get("products") or shown_products(past.get("tool_calls") or [])
        if skus:
            return list(skus)
    return []


def about_of(turn: Any) -> About:
    """What the turn's reply was about: what its handler recorded, completed from the turn (the products its tools
    showed, the question it answered, the first section it cited)."""
    about = turn.about.model_copy(deep=True)
    if not about.products:
        about.products = shown_products([c.model_dump() for c in turn.tool_calls])
    if not about.topic and turn.intent in ("service_question", "capability"):
        about.topic = turn.query
    if not about.section and turn.citations:
        about.section = turn.citations[0].title
    return about


def last_topic(history: list[dict[str, Any]]) -> str | None:
    """The previous service question (itself resolved if it was a follow-up too), if the last turn was one."""
    last = history[-1] if history else None
    if last is None or last.get("intent") not in ("service_question", "capability"):
        return None
    topic = (last.get("about") or {}).get("topic")
    return str(topic or last.get("query") or last.get("message") or "") or None


def resolve_topic(
    message: str, history: list[dict[str, Any]], find_kind: Callable[[list[str]], Any] | None = None
) -> str:
    """The question to answer: a follow-up joined to the last topic; any other message as it is.

    When the follow-up names a thing of the kind the topic named ("do you ship to Canada?" -> "what about
    Switzerland?"), or a kind of product where the topic named another ("warranty on jackets?" -> "what about
    tents?", with `find_kind` the catalog's kinds), it takes that thing's place instead of being added to it.
    """
    from generation import named_entities

    topic = last_topic(history)
    if not topic or not is_follow_up(message):
        return message
    rest = _OPENERS.sub("", message).strip()
    for new in named_entities(rest):
        for old in named_entities(topic):
            if old.type == new.type and old.name != new.name:
                return re.sub(re.escape(old.surface), new.surface, topic, count=1)
    if find_kind is not None:
        new_kind, old_kind = _kind_words(rest, find_kind), _kind_words(topic, find_kind)
        if new_kind and old_kind and new_kind[0] != old_kind[0]:
            pattern = r"\W+".join(re.escape(w) for w in old_kind[1])
            return re.sub(rf"(?i)(?<!\w){pattern}(?!\w)", " ".join(new_kind[1]), topic, count=1)
    return f"{topic} {rest}"


def with_product(message: str, history: list[dict[str, Any]], catalog: Any, find_kind: Any) -> str | None:
    """ "I'm 188 cm, which length do I need?" after a reply that showed products: the question asked of the first of
    them, its name and kind beside it (the size rules are per kind of product); None for a question that names a
    kind of product itself or does not depend on which product (`product_bound_words`)."""
    from assistant.commerce.lexicon import find_phrases, lexicon, normalize

    skus = last_products(history)
    if not skus or catalog is None or skus[0] not in catalog:
        return None
    if not find_phrases(normalize(message), list(lexicon().product_bound_words)):
        return None
    if find_kind is not None and _kind_words(message, find_kind):
        return None
    product = catalog.get(skus[0])
    kind = ", ".join(k for k in (product.category, product.subcategory) if k)
    return f"{message.rstrip()} ({product.name}; {kind})"


def with_place(question: str, topic: str) -> str:
    """`question` with the place `topic` named added where it points at it ("and returns from there?" after "do you
    ship to Italy?" -> "... Italy"): the follow-up is then answered for that place."""
    from assistant.commerce.lexicon import find_phrases, normalize
    from assistant.conversation.references import pointers
    from generation import named_entities

    places = [e for e in named_entities(topic) if e.type == "country"]
    if not places or not find_phrases(normalize(question), list(pointers().there)):
        return question
    if any(e.type == "country" for e in named_entities(question)):
        return question
    return f"{question.rstrip(' ?？')} ({places[-1].surface})?"


_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")


def _kind_words(text: str, find_kind: Callable[[list[str]], Any]) -> tuple[str, list[str]] | None:
    """(the kind, the words of `text` that name it) for the catalog kind `text` names, if any."""
    words = _WORD.findall(text)
    found = find_kind([w.lower() for w in words])
    if not found:
        return None
    kind, start, end = found
    return kind, words[start:end]
