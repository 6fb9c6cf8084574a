"""A POST to the shop's help desk for every new handoff request (`settings.handoff_webhook_url`).

The chat turn never waits for it: the call runs on two worker threads with the configured timeout, and its outcome
("delivered (HTTP 200)", "failed: timed out after 5 s") is recorded on the request, where the inbox shows it. A secret,
if configured, signs the exact body sent (header ``X-MKA-Signature: sha256=<hex HMAC-SHA256>``).

The queue is fair between senders (an identified customer, else a client address, else a conversation): the workers
take one event from each sender in turn, and a sender holds at most `WAITING_PER_SENDER` events waiting. What one
sender sends beyond that is not sent: logged, counted (`dropped`) and recorded on the request ("not sent: ..."), which
stays in the inbox like any other. So a flood of handoffs from one sender delays another customer's event by one
delivery at most, not by the flood.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import httpx

log = logging.getLogger(__name__)

EVENT = "handoff.created"
WORKERS = 2
WAITING_PER_SENDER = 3  # events of one sender waiting for a worker; more are not sent
MAX_WAITING = 500  # events of all senders together waiting for a worker

Payload = dict[str, Any] | Callable[[], dict[str, Any]]
Job = tuple[int, Payload, Future]


class FairQueue:
    """Jobs by sender, served round robin, with a bound per sender and in all. Thread-safe."""

    def __init__(self, per_sender: int = WAITING_PER_SENDER, max_waiting: int = MAX_WAITING):
        self.per_sender = per_sender
        self.max_waiting = max_waiting
        self._queues: OrderedDict[str, deque[Job]] = OrderedDict()
        self._waiting = 0
        self._closed = False
        self._cond = threading.Condition()

    def put(self, sender: str, job: Job) -> bool:
        """Queue `job` behind the sender's earlier ones; False (nothing queued) when the sender or the queue is full."""
        with self._cond:
            queue = self._queues.get(sender)
            if self._closed or self._waiting >= self.max_waiting or (queue and len(queue) >= self.per_sender):
                return False
            self._queues.setdefault(sender, deque()).append(job)
            self._waiting += 1
            self._cond.notify()
            return True

    def get(self) -> Job | None:
        """The next sender's oldest job (that sender then goes to the back of the line); None once closed."""
        with self._cond:
            while not self._queues and not self._closed:
                self._cond.wait()
            if not self._queues:
                return None
            sender, queue = next(iter(self._queues.items()))
            job = queue.popleft()
            self._waiting -= 1
            if queue:
                self._queues.move_to_end(sender)
            else:
                del self._queues[sender]
            return job

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class HandoffWebhook:
    """Sends handoff events to one URL, off the caller's thread."""

    def __init__(
        self,
        url: str,
        timeout_s: float = 5.0,
        secret: str | None = None,
        record: Callable[[int, str], None] | None = None,
    ):
        self.url = url
        self.timeout_s = timeout_s
        self.secret = secret
        self.record = record
        self.queue = FairQueue()
        self.dropped: Counter[str] = Counter()  # events not sent, by sender
        self._workers: list[threading.Thread] = []
        self._start_lock = threading.Lock()

    def notify(self, handoff_id: int, payload: Payload, sender: str = "") -> Future:
        """Queue the POST and return at once; the future's result is the recorded outcome. `payload` may be a function,
        so that even reading what to send happens off the caller's thread. `sender` is who caused the event (see the
        module's note on fairness); events without one share a line."""
        self._start_workers()
        done: Future = Future()
        if not self.queue.put(sender, (handoff_id, payload, done)):
            done.set_result(self._drop(handoff_id, sender))
        return done

    def _drop(self, handoff_id: int, sender: str) -> str:
        self.dropped[sender] += 1
        count = self.dropped[sender]
        if count == 1 or count % 100 == 0:  # a flood must not flood the log too
            log.warning(
                "handoff webhook: %s event(s) from sender %s not sent (the sender's queue is full); latest #%s",
                count,
                sender or "(none)",
                handoff_id,
            )
        outcome = "not sent: too many requests from the same sender are waiting for the help desk"
        self._record(handoff_id, outcome)
        return outcome

    def _start_workers(self) -> None:
        with self._start_lock:
            if self._workers:
                return
            for n in range(WORKERS):
                worker = threading.Thread(target=self._work, name=f"handoff-webhook-{n}", daemon=True)
                worker.start()
                self._workers.append(worker)

    def _work(self) -> None:
        while (job := self.queue.get()) is not None:
            handoff_id, payload, done = job
            try:
                done.set_result(self._send(handoff_id, payload))
            except Exception as exc:  # a bug in one event must not stop the worker
                log.exception("handoff webhook for request #%s broke", handoff_id)
                done.set_exception(exc)

    def _record(self, handoff_id: int, outcome: str) -> None:
        if self.record is not None:
            try:
                self.record(handoff_id, outcome)
            except Exception:  # the outcome is a note; a database hiccup must not kill the worker
                log.exception("could not record the webhook outcome of request #%s", handoff_id)

    def _send(self, handoff_id: int, payload: Payload) -> str:
        try:
            data = payload() if callable(payload) else payload
        except Exception:
            log.exception("could not build the webhook payload of request #%s", handoff_id)
            data = {"handoff": {"handoff_id": handoff_id}}
        body = json.dumps({"event": EVENT, **data}, ensure_ascii=False, default=str).encode("utf-8")
        headers = {"Content-Type": "application/json", "User-Agent": "mka-handoff-webhook/1"}
        if self.secret:
            digest = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-MKA-Signature"] = f"sha256={digest}"
        try:
            response = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout_s)
            outcome = (
                f"delivered (HTTP {response.status_code})"
                if response.is_success
                else f"failed: HTTP {response.status_code}"
            )
        except httpx.TimeoutException:
            outcome = f"failed: timed out after {self.timeout_s:g} s"
        except httpx.HTTPError as exc:
            outcome = f"failed: {type(exc).__name__}"
        if not outcome.startswith("delivered"):
            log.warning("handoff webhook for request #%s %s", handoff_id, outcome)
        self._record(handoff_id, outcome)
        return outcome

    def close(self) -> None:
        self.queue.close()
