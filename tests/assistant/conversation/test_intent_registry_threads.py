"""The intent registry loads once, whole, however many turns ask for it at the same moment (a fresh server's first
turns arrive together; a partly filled registry was a KeyError and a 500)."""

from __future__ import annotations

import subprocess
import sys

from assistant.settings import REPO_ROOT

RACE = """
import threading
from assistant.conversation import intents
results = []
def ask():
    try:
        results.append(intents.handler_for("no_such_intent") is intents.handlers()["off_topic"])
    except KeyError as exc:
        results.append(repr(exc))
threads = [threading.Thread(target=ask) for _ in range(16)]
for t in threads: t.start()
for t in threads: t.join()
print(results)
assert results == [True] * 16, results
"""


def test_sixteen_first_turns_at_once_all_find_their_handler():
    # a fresh interpreter: in this one the registry is loaded already
    done = subprocess.run(
        [sys.executable, "-c", RACE], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
