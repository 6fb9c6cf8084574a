"""The batching scheduler on CPU with a tiny random-weight Llama: every caller gets exactly the tokens it would get
alone (checked against transformers' own `generate`), in order, with its own limits, and the queue stays bounded."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import torch

from generation.batching import BatchScheduler
from generation.errors import BackendBusy, BackendError
from generation.tinymodel import tiny_llama, tiny_tokenizer

TEMPLATE = (Path(__file__).parent / "fixtures" / "qwen2_5_instruct.jinja").read_text()
PROMPTS = [
    "Hi",
    "Which tent fits two people and a dog?",
    "Tell me about waterproof boots, please, in a few words.",
    "Is the Scree Low Hiking Shoe waterproof? I want to walk in the rain, on wet grass and over muddy trails.",
    "Merino socks",
    "What does shipping to Norway cost?",
]


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    # Two OpenMP threads on two busy cores are slower than one (STACK.md); tests share the machine.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def tokenizer():
    return tiny_tokenizer(TEMPLATE)


@pytest.fixture(scope="module")
def model(tokenizer):
    return tiny_llama(tokenizer, seed=1)


def _ids(tokenizer, text: str) -> list[int]:
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": text}], tokenize=False, add_generation_prompt=True
    )
    return tokenizer(prompt, add_special_tokens=False)["input_ids"]


def _reference(model, tokenizer, ids: list[int], n: int) -> list[int]:
    """Greedy tokens from transformers' `generate`, alone: the independent reference."""
    with torch.inference_mode():
        out = model.generate(
            torch.tensor([ids]),
            attention_mask=torch.ones(1, len(ids), dtype=torch.long),
            max_new_tokens=n,
            do_sample=False,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )[0, len(ids) :].tolist()
    return out[: out.index(tokenizer.eos_token_id)] if tokenizer.eos_token_id in out else out


def _scheduler(model, tokenizer, **kwargs) -> BatchScheduler:
    return BatchScheduler(
        model, eos_token_ids=[tokenizer.eos_token_id], pad_token_id=tokenizer.pad_token_id, **kwargs
    )


def _run_together(scheduler, requests: list[tuple[list[int], int]]) -> list[list[int]]:
    """Submit all at once from their own threads; each collects its own stream."""
    results: list[list[int] | None] = [None] * len(requests)
    barrier = threading.Barrier(len(requests))

    def caller(i: int) -> None:
        ids, n = requests[i]
        barrier.wait()
        results[i] = list(scheduler.submit(ids, max_tokens=n))

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results  # type: ignore[return-value]


def test_batched_greedy_equals_each_request_alone(model, tokenizer):
    scheduler = _scheduler(model, tokenizer, max_batch=8)
    requests = [(_ids(tokenizer, p), 12) for p in PROMPTS]
    try:
        got = _run_together(scheduler, requests)
    finally:
        scheduler.close()
    for (ids, n), tokens in zip(requests, got, strict=True):
        assert tokens == _reference(model, tokenizer, ids, n)
    assert scheduler.max_rows_seen > 1  # they really shared decode steps
    assert len({tuple(t) for t in got}) == len(got)  # and the prompts do lead to different answers


def test_a_request_joining_mid_batch_gets_its_own_tokens(model, tokenizer):
    scheduler = _scheduler(model, tokenizer, max_batch=4)
    long_ids, short_ids = _ids(tokenizer, PROMPTS[3]), _ids(tokenizer, PROMPTS[0])
    try:
        first = iter(scheduler.submit(long_ids, max_tokens=30))
        head = [next(first) for _ in range(5)]  # the first request is decoding...
        second = list(scheduler.submit(short_ids, max_tokens=10))  # ...when the second (shorter prompt) joins
        rest = list(first)
    finally:
        scheduler.close()
    assert head + rest == _reference(model, tokenizer, long_ids, 30)
    assert second == _reference(model, tokenizer, short_ids, 10)
    assert scheduler.max_rows_seen == 2


def test_each_request_keeps_its_own_max_tokens(model, tokenizer):
    scheduler = _scheduler(model, tokenizer, max_batch=8)
    limits = [1, 3, 7, 16]
    try:
        got = _run_together(scheduler, [(_ids(tokenizer, PROMPTS[1]), n) for n in limits])
    finally:
        scheduler.close()
    reference = _reference(model, tokenizer, _ids(tokenizer, PROMPTS[1]), 16)
    assert got == [reference[:n] for n in limits]


def test_end_of_sequence_ends_one_request_not_the_batch(tokenizer):
    from generation.tinymodel import Lesson, teach

    model = tiny_llama(tokenizer, seed=2)
    teach(model, tokenizer, [Lesson([{"role": "user", "content": "Say hi"}], "Hi!")])
    scheduler = _scheduler(model, tokenizer, max_batch=4)
    try:
        short, long = _run_together(
            scheduler, [(_ids(tokenizer, "Say hi"), 20), (_ids(tokenizer, PROMPTS[2]), 20)]
        )
    finally:
        scheduler.close()
    assert tokenizer.decode(short) == "Hi!"  # stopped at the end-of-turn token, which is not included
    assert len(long) == 20 or tokenizer.eos_token_id not in long


def test_cancelled_request_leaves_and_the_others_finish(model, tokenizer):
    scheduler = _scheduler(model, tokenizer, max_batch=4)
    ids = _ids(tokenizer, PROMPTS[4])
    try:
        quitter = iter(scheduler.submit(_ids(tokenizer, PROMPTS[5]), max_tokens=500))
        stayer = scheduler.submit(ids, max_tokens=15)
        next(quitter)
        quitter.close()  # the caller stops reading (a stop string matched, the client went away)
        assert list(stayer) == _reference(model, tokenizer, ids, 15)
        deadline = time.time() + 10
        while scheduler.steps < 14 and time.time() < deadline:
            time.sleep(0.01)
        steps_after = scheduler.steps
        time.sleep(0.2)
        assert scheduler.steps == steps_after  # nothing decodes for the cancelled request
    finally:
        scheduler.close()


def test_one_at_a_time_runs_in_arrival_order(model, tokenizer):
    scheduler = _scheduler(model, tokenizer, max_batch=1)
    try:
        streams = [scheduler.submit(_ids(tokenizer, p), max_tokens=4) for p in PROMPTS[:4]]
        for stream in reversed(
            streams
        ):  # read in the opposite order: the scheduler does not wait for readers
            assert len(list(stream)) == 4
    finally:
        scheduler.close()
    finished = [s.finished_at for s in streams]
    assert finished == sorted(finished)
    assert scheduler.max_rows_seen == 1


def test_a_full_queue_refuses_with_a_retry_hint_and_loses_nothing(model, tokenizer):
    scheduler = _scheduler(model, tokenizer, max_batch=1, max_queue=2)
    ids = _ids(tokenizer, PROMPTS[0])
    try:
        running = iter(scheduler.submit(ids, max_tokens=3000))
        next(running)  # admitted: it holds the only place in the batch
        waiting = [scheduler.submit(ids, max_tokens=3) for _ in range(2)]
        with pytest.raises(BackendBusy) as refused:
            scheduler.submit(ids, max_tokens=3)
        assert refused.value.retry_after >= 1
        assert "MKA_LLM__MAX_QUEUE" in refused.value.message
        running.close()
        expected = _reference(model, tokenizer, ids, 3)
        assert [list(w) for w in waiting] == [expected, expected]  # the queued ones are served
        assert len(list(scheduler.submit(ids, max_tokens=3))) == 3  # and there is room again
    finally:
        scheduler.close()


def test_sampling_rows_and_greedy_rows_share_a_batch(model, tokenizer):
    scheduler = _scheduler(model, tokenizer, max_batch=4)
    ids = _ids(tokenizer, PROMPTS[2])
    torch.manual_seed(0)
    try:
        greedy = scheduler.submit(ids, max_tokens=10, temperature=0.0)
        hot = scheduler.submit(ids, max_tokens=10, temperature=1.5)
        greedy_tokens, hot_tokens = list(greedy), list(hot)
    finally:
        scheduler.close()
    assert greedy_tokens == _reference(model, tokenizer, ids, 10)
    assert all(0 <= t < len(tokenizer) for t in hot_tokens) and 1 <= len(hot_tokens) <= 10


def test_bad_requests_fail_clearly(model, tokenizer):
    scheduler = _scheduler(model, tokenizer)
    try:
        with pytest.raises(BackendError, match="empty"):
            scheduler.submit([], max_tokens=3)
        with pytest.raises(BackendError, match="max_tokens"):
            scheduler.submit([1, 2], max_tokens=0)
        # an id outside the vocabulary fails that request inside the model, and the scheduler keeps serving
        with pytest.raises(BackendError, match="generation failed"):
            list(scheduler.submit([len(tokenizer) + 100], max_tokens=3))
        assert len(list(scheduler.submit(_ids(tokenizer, "Hi"), max_tokens=2))) == 2
    finally:
        scheduler.close()
    with pytest.raises(BackendError, match="shut down"):
        scheduler.submit([1], max_tokens=1)


def test_a_bad_request_joining_a_batch_fails_alone(model, tokenizer):
    scheduler = _scheduler(model, tokenizer, max_batch=4)
    ids = _ids(tokenizer, PROMPTS[1])
    try:
        running = iter(scheduler.submit(ids, max_tokens=20))
        head = [next(running)]
        with pytest.raises(BackendError, match="generation failed"):
            list(scheduler.submit([len(tokenizer) + 7], max_tokens=3))  # its prefill fails
        assert head + list(running) == _reference(model, tokenizer, ids, 20)  # the running one is untouched
    finally:
        scheduler.close()
