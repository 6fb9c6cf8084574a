"""`BatchScheduler`: one model, many callers. Requests that arrive while others decode join the running batch.

Every decode step runs the whole batch through the model once (one token per request), so on a GPU eight
conversations cost about what one does. Each step:

1. admits waiting requests (up to `max_batch` in flight): their prompts are prefilled together, padded on the left,
   and their key/value caches are merged into the running batch's (the shorter side padded on the left and masked);
2. decodes one token for every request in flight, each with its own temperature, and streams it to its caller;
3. drops the requests that are finished (end of sequence, their own `max_tokens`, or their caller stopped reading)
   from the cache, and trims the left padding nobody needs any more.

Memory stays bounded: at most `max_batch` requests in flight and `max_queue` waiting; `submit` raises `BackendBusy`
(a `BackendUnavailable` with `retry_after`) when the queue is full. With ``max_batch=1`` (the CPU default) requests
run one after another, with the same code path.

Stop strings are the caller's business (they are text, not tokens): the caller cuts the text and closes its stream,
which cancels the request here at the next step.
"""

from __future__ import annotations

import collections
import inspect
import logging
import math
import queue
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from generation.errors import BackendBusy, BackendError

log = logging.getLogger(__name__)

_END = object()  # the end of one request's token stream


@dataclass(eq=False)
class _Request:
    prompt: list[int]
    max_tokens: int
    temperature: float
    top_p: float
    out: queue.SimpleQueue = field(default_factory=queue.SimpleQueue)
    cancelled: threading.Event = field(default_factory=threading.Event)
    submitted_at: float = field(default_factory=time.perf_counter)
    generated: int = 0
    finished_at: float | None = None

    def finish(self, error: BaseException | None = None) -> None:
        self.finished_at = time.perf_counter()
        self.out.put(error if error is not None else _END)


class TokenStream:
    """One caller's tokens as they are generated. Iterate it for token ids; `cancel()` (or closing the iteration
    early) frees its place in the batch at the next step."""

    def __init__(self, request: _Request):
        self._request = request
        self.first_token_at: float | None = None
        # A stream dropped unread must not keep decoding until its max_tokens.
        weakref.finalize(self, request.cancelled.set)

    @property
    def submitted_at(self) -> float:
        return self._request.submitted_at

    @property
    def finished_at(self) -> float | None:
        """When the scheduler finished this request (whether or not its caller has read every token yet)."""
        return self._request.finished_at

    def __iter__(self) -> Iterator[int]:
        try:
            while True:
                item = self._request.out.get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise BackendError(f"generation failed: {item}") from item
                if self.first_token_at is None:
                    self.first_token_at = time.perf_counter()
                yield item
        finally:
            self.cancel()

    def cancel(self) -> None:
        self._request.cancelled.set()


@dataclass
class _Batch:
    """The requests in flight and their shared state. Row i of every tensor belongs to rows[i]."""

    rows: list[_Request]
    cache: Any  # transformers DynamicCache, [rows, heads, columns, head_dim] per layer
    mask: Any  # [rows, columns] long: 1 where the cache holds a real token of that row, 0 for left padding
    last: Any  # [rows, 1] the token each row sampled last (not in the cache yet)
    positions: Any  # [rows] the position id of `last` (= real tokens of that row in the cache)


class BatchScheduler:
    """Continuous batching over a transformers causal LM (any model whose cache is a plain `DynamicCache`).

    `submit` is thread-safe and returns at once; one worker thread runs the model.
    """

    def __init__(
        self,
        model: Any,
        *,
        eos_token_ids: Sequence[int],
        pad_token_id: int,
        max_batch: int = 1,
        max_queue: int = 64,
        cpu_threads: int | None = None,
    ):
        if max_batch < 1 or max_queue < 0:
            raise ValueError("max_batch must be >= 1 and max_queue >= 0")
        self.model = model
        self.eos = set(int(t) for t in eos_token_ids)
        self.pad = int(pad_token_id)
        self.max_batch = max_batch
        self.max_queue = max_queue
        self.cpu_threads = cpu_threads
        self._pending: collections.deque[_Request] = collections.deque()
        self._cond = threading.Condition()
        self._closed = False
        self._worker: threading.Thread | None = None
        # Cleared for caches we cannot pad (sliding windows): then new requests wait for the batch to empty.
        self._mergeable = True
        self._seconds_per_request = 1.0  # moving average, for the retry hint
        self._in_flight = 0  # requests in the running batch (written by the worker)
        self.steps = 0  # decode steps run (tests and the GPU check read these)
        self.max_rows_seen = 0
        # transformers renamed `past_key_values` to `cache` (5.2x); pass whichever this version's forward takes.
        params = inspect.signature(model.forward).parameters
        self._cache_kwarg = "cache" if "cache" in params else "past_key_values"

    # -- callers ---------------------------------------------------------------------------------------------------
    def submit(
        self, prompt_ids: Sequence[int], *, max_tokens: int, temperature: float = 0.0, top_p: float = 0.95
    ) -> TokenStream:
        """Queue one prompt (token ids) for generation; iterate the returned stream for its new tokens (the end of
        sequence token is not included). Raises `BackendBusy` when `max_queue` requests already wait."""
        if not prompt_ids:
            raise BackendError("empty prompt")
        if max_tokens < 1:
            raise BackendError("max_tokens must be at least 1")
        request = _Request(
            list(map(int, prompt_ids)), int(max_tokens), float(temperature or 0.0), float(top_p)
        )
        with self._cond:
            if self._closed:
                raise BackendError("the model was shut down")
            free = self.max_batch - self._in_flight  # places the worker fills at its next step
            if len(self._pending) >= self.max_queue + max(0, free):
                raise BackendBusy(
                    f"the model is busy: {len(self._pending)} requests are waiting (MKA_LLM__MAX_QUEUE)",
                    retry_after=self._retry_after(),
                )
            self._pending.append(request)
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="llm-batch", daemon=True)
                self._worker.start()
            self._cond.notify()
        return TokenStream(request)

    def _retry_after(self) -> int:
        waves = (len(self._pending) + self.max_batch) / self.max_batch
        return max(1, math.ceil(waves * self._seconds_per_request))

    @property
    def waiting(self) -> int:
        return len(self._pending)

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def close(self) -> None:
        """Stop the worker; requests still waiting or in flight end with an error."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._worker is not None:
            self._worker.join(timeout=30)

    # -- the worker ------------------------------------------------------------------------------------------------
    def _run(self) -> None:
        import torch

        if self.cpu_threads:
            torch.set_num_threads(self.cpu_threads)  # per thread for OpenMP: set it where the model runs
        batch: _Batch | None = None
        with torch.inference_mode():
            while True:
                admitted = self._take(batch)
                if admitted is None:
                    break
                fresh = self._guarded(admitted, self._prefill, admitted) if admitted else None
                if fresh is not None and batch is not None:
                    batch = self._guarded(batch.rows + fresh.rows, _merge, batch, fresh)
                elif fresh is not None:
                    batch = fresh
                if batch is not None:
                    batch = self._guarded(batch.rows, self._step, batch)
        for request in (batch.rows if batch else []) + list(self._pending):
            request.finish(BackendError("the model was shut down"))

    def _take(self, batch: _Batch | None) -> list[_Request] | None:
        """The waiting requests that may join now (blocks while there is nothing to do; None: shut down)."""
        with self._cond:
            self._in_flight = len(batch.rows) if batch else 0
            while not self._closed and not self._pending and batch is None:
                self._cond.wait()
            if self._closed:
                return None
            room = self.max_batch - self._in_flight
            if batch is not None and not self._mergeable:
                room = 0
            taken = []
            while self._pending and len(taken) < room:
                request = self._pending.popleft()
                if request.cancelled.is_set():
                    request.finish()
                else:
                    taken.append(request)
            self._in_flight += len(taken)
            return taken

    def _guarded(self, requests: list[_Request], work: Any, *args: Any) -> _Batch | None:
        """`work(*args)`; if it fails (out of memory, a bad prompt), fail `requests`, not the server."""
        try:
            return work(*args)
        except Exception as exc:
            log.exception("generation failed for %d request(s)", len(requests))
            for request in requests:
                request.finish(exc)
            return None

    def _prefill(self, requests: list[_Request]) -> _Batch | None:
        """Prefill the new prompts together and stream their first tokens: a batch of their own, to be merged."""
        import torch
        from transformers import DynamicCache

        device = self.model.device
        width = max(len(r.prompt) for r in requests)
        ids = torch.full((len(requests), width), self.pad, dtype=torch.long)
        mask = torch.zeros((len(requests), width), dtype=torch.long)
        for i, r in enumerate(requests):
            ids[i, width - len(r.prompt) :] = torch.tensor(r.prompt)
            mask[i, width - len(r.prompt) :] = 1
        ids, mask = ids.to(device), mask.to(device)
        cache = DynamicCache(config=self.model.config)
        logits = self.model(
            input_ids=ids,
            attention_mask=mask,
            position_ids=(mask.cumsum(-1) - 1).clamp(min=0),
            use_cache=True,
            **{self._cache_kwarg: cache},
            logits_to_keep=1,
        ).logits[:, -1]
        self._mergeable = self._mergeable and _plain_layers(cache)
        fresh = _Batch(
            rows=list(requests),
            cache=cache,
            mask=mask,
            last=torch.zeros((len(requests), 1), dtype=torch.long, device=device),
            positions=mask.sum(-1),
        )
        return self._emit(fresh, logits)

    def _step(self, batch: _Batch) -> _Batch | None:
        """One token for every request in flight."""
        import torch

        ones = torch.ones((len(batch.rows), 1), dtype=batch.mask.dtype, device=batch.mask.device)
        batch.mask = torch.cat([batch.mask, ones], dim=1)
        logits = self.model(
            input_ids=batch.last,
            attention_mask=batch.mask,
            position_ids=batch.positions[:, None],
            use_cache=True,
            **{self._cache_kwarg: batch.cache},
        ).logits[:, -1]
        batch.positions = batch.positions + 1
        self.steps += 1
        self.max_rows_seen = max(self.max_rows_seen, len(batch.rows))
        return self._emit(batch, logits)

    def _emit(self, batch: _Batch, logits: Any) -> _Batch | None:
        """Sample one token per row, hand it to its caller, and drop the rows that are done."""
        import torch

        tokens = _sample(logits, batch.rows)
        keep = []
        for i, (request, token) in enumerate(zip(batch.rows, tokens.tolist(), strict=True)):
            done = request.cancelled.is_set() or token in self.eos
            if not done:
                request.out.put(token)
                request.generated += 1
                done = request.generated >= request.max_tokens
            if done:
                request.finish()
                elapsed = time.perf_counter() - request.submitted_at
                self._seconds_per_request = 0.8 * self._seconds_per_request + 0.2 * elapsed
            else:
                keep.append(i)
        batch.last = tokens[:, None]
        if not keep:
            return None
        if len(keep) < len(batch.rows):
            index = torch.tensor(keep, device=batch.mask.device)
            batch.rows = [batch.rows[i] for i in keep]
            batch.cache.batch_select_indices(index)
            batch.mask, batch.last, batch.positions = (
                batch.mask[index],
                batch.last[index],
                batch.positions[index],
            )
            if self._mergeable:
                _trim_left(batch)
        return batch


def _sample(logits: Any, rows: list[_Request]) -> Any:
    """Greedy for rows at temperature 0, nucleus sampling (top_p) for the others."""
    import torch

    logits = logits.float()
    tokens = logits.argmax(dim=-1)
    sampled = [i for i, r in enumerate(rows) if r.temperature > 0]
    if sampled:
        index = torch.tensor(sampled, device=logits.device)
        temps = torch.tensor([rows[i].temperature for i in sampled], device=logits.device)[:, None]
        top_p = torch.tensor([rows[i].top_p for i in sampled], device=logits.device)[:, None]
        probs = torch.softmax(logits[index] / temps, dim=-1)
        sorted_probs, order = probs.sort(dim=-1, descending=True)
        outside = (sorted_probs.cumsum(-1) - sorted_probs) > top_p  # keep the smallest set reaching top_p
        sorted_probs = sorted_probs.masked_fill(outside, 0.0)
        choice = torch.multinomial(sorted_probs, 1)
        tokens[index] = order.gather(-1, choice)[:, 0]
    return tokens


def _plain_layers(cache: Any) -> bool:
    from transformers.cache_utils import DynamicLayer

    return all(type(layer) is DynamicLayer for layer in getattr(cache, "layers", [None]))


def _pad_left(batch: _Batch, columns: int) -> None:
    """Widen the batch to `columns` cache columns by masked zeros on the left (keys keep their rotary positions)."""
    import torch

    extra = columns - batch.mask.shape[1]
    if extra <= 0:
        return
    batch.mask = torch.cat([batch.mask.new_zeros((batch.mask.shape[0], extra)), batch.mask], dim=1)
    for layer in batch.cache.layers:
        for name in ("keys", "values"):
            t = getattr(layer, name)
            setattr(layer, name, torch.cat([t.new_zeros((*t.shape[:2], extra, t.shape[3])), t], dim=2))


def _merge(a: _Batch, b: _Batch) -> _Batch:
    import torch

    columns = max(a.mask.shape[1], b.mask.shape[1])
    _pad_left(a, columns)
    _pad_left(b, columns)
    for la, lb in zip(a.cache.layers, b.cache.layers, strict=True):
        la.keys = torch.cat([la.keys, lb.keys], dim=0)
        la.values = torch.cat([la.values, lb.values], dim=0)
    a.rows += b.rows
    a.mask = torch.cat([a.mask, b.mask], dim=0)
    a.last = torch.cat([a.last, b.last], dim=0)
    a.positions = torch.cat([a.positions, b.positions], dim=0)
    return a


def _trim_left(batch: _Batch) -> None:
    """Drop leading cache columns that are padding for every row left (after the longest row finished)."""
    real = batch.mask.any(dim=0).nonzero()
    start = int(real[0]) if len(real) else 0
    if start == 0:
        return
    batch.mask = batch.mask[:, start:]
    for layer in batch.cache.layers:
        layer.keys = layer.keys[:, :, start:]
        layer.values = layer.values[:, :, start:]
