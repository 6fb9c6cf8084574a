"""Runs the assistant benchmark's conversations through one checkout of the project, in its own process.

    PYTHONPATH=<checkout> python bench/assistant_runner.py --questions Q.json --data-dir D --out OUT.jsonl

`bench/assistant.py` starts it once for this checkout and once for a git worktree of the last released commit, so
both are measured the same way. It imports only what both layouts share (the settings, the knowledge base, the
assistant's `turn`), indexes that checkout's own demo shop into `--data-dir`, and writes one JSON line per scored
turn: the reply, the action, the cited sources, the text of every tool result (the evidence the reply may use), the
handoffs stored for the session, and the turn's wall time. Scoring happens in the parent.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _assistant_class() -> Any:
    try:
        from assistant.api import Assistant  # the layout after the rooms issue
    except ImportError:
        from assistant.agent import Assistant  # the released layout
    return Assistant


def _caller_class() -> Any:
    try:
        from assistant.conversation.reply import Caller
    except ImportError:
        from assistant.reply import Caller
    return Caller


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return [str(value)] if isinstance(value, int | float) else []


def _evidence_text(tool_calls: list[Any]) -> str:
    """Every text and figure of the turn's tool results, as plain text (the evidence the reply may use)."""
    parts = []
    for call in tool_calls:
        result = getattr(call, "result", None)
        if result is None:
            continue
        data = result.model_dump(mode="json") if hasattr(result, "model_dump") else result
        parts += _strings(data)
    return "\n".join(parts)


def run(questions: list[dict[str, Any]], data_dir: Path, out: Path, llm_base_url: str | None) -> None:
    from assistant.settings import Settings
    from retrieval.kb import KnowledgeBase

    overrides: dict[str, Any] = {"data_dir": data_dir, "_env_file": None}
    if llm_base_url:
        overrides["llm"] = {"backend": "openai", "model": "bundled-smollm2", "base_url": llm_base_url}
    settings = Settings(**overrides)
    started = time.perf_counter()
    report = KnowledgeBase.open(settings.retrieval, settings.chroma_path).sync(
        [settings.demo_dir], progress=False
    )
    index_s = time.perf_counter() - started
    assistant = _assistant_class().from_settings(settings)
    assistant.warm_up()
    started = time.perf_counter()
    reading = getattr(getattr(assistant, "agent", None), "reading_ahead", None)
    if (
        reading is not None
    ):  # a server reads its help pages ahead right after start-up; questions come after that
        reading.join()
    read_ahead_s = time.perf_counter() - started
    caller = _caller_class()(role="customer")
    with out.open("w", encoding="utf-8") as fh:
        fh.write(
            json.dumps(
                {
                    "meta": {
                        "index_s": round(index_s, 1),
                        "read_ahead_s": round(read_ahead_s, 1),
                        "failed": list(getattr(report, "failed", [])),
                    }
                }
            )
            + "\n"
        )
        for item in questions:
            session = None
            turns = item["turns"]
            for n, message in enumerate(turns):
                t0 = time.perf_counter()
                try:
                    reply = assistant.turn(message, caller, session)
                except Exception as exc:  # a crash is a wrong answer, not the end of the benchmark
                    key = f"{item['id']}#{n}" if item.get("every_turn") else item["id"]
                    fh.write(json.dumps({"id": key, "error": f"{type(exc).__name__}: {exc}"}) + "\n")
                    break
                elapsed = (time.perf_counter() - t0) * 1000
                session = reply.session_id
                if n < len(turns) - 1 and not item.get("every_turn"):
                    continue
                handoffs = [h for h in assistant.store.list_handoffs() if h["session_id"] == session]
                fh.write(
                    json.dumps(
                        {
                            "id": f"{item['id']}#{n}" if item.get("every_turn") else item["id"],
                            "text": reply.text,
                            "action": reply.action,
                            "intent": reply.intent,
                            "language": getattr(reply, "language", None),
                            "sources": [c.source for c in reply.citations],
                            "evidence": _evidence_text(reply.tool_calls),
                            "handoffs": len(handoffs),
                            "outcome": getattr(reply, "outcome", None),
                            "confidence": getattr(reply, "confidence", None),
                            "turn": n,
                            "ms": round(elapsed, 1),
                        }
                    )
                    + "\n"
                )
                fh.flush()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--llm-base-url", default=None)
    args = parser.parse_args()
    questions = json.loads(args.questions.read_text(encoding="utf-8"))
    run(questions, args.data_dir, args.out, args.llm_base_url)


if __name__ == "__main__":
    sys.exit(main())
