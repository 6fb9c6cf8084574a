"""Small Llama-architecture models built from a config, for checks that need a real model but no weights.

    tokenizer = tiny_tokenizer(template_text, family="qwen2.5")
    model = tiny_llama(tokenizer, size="cpu")
    teach(model, tokenizer, [Lesson(messages, tools, "<tool_call>...</tool_call>")])

The tokenizer is a byte-level BPE trained in milliseconds on a few sentences and the chat template itself, with the
special tokens of the template's model family, so any text round-trips and the template renders as it does for the
real family. The model has random weights; `teach` fine-tunes it for a few hundred steps until greedy decoding
reproduces each lesson's answer exactly (a real model that really emits, say, a tool call, end to end).
Nothing is downloaded: `scripts/gpu-check.sh` and the tests use these on machines without network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

# Special tokens of each family's template (what its real tokenizer marks special), and which end a turn.
FAMILIES: dict[str, dict[str, Any]] = {
    "qwen2.5": {"bos": None, "eos": "<|im_end|>", "pad": "<|endoftext|>"},
    "llama3.1": {"bos": "<|begin_of_text|>", "eos": "<|eot_id|>", "pad": "<|finetune_right_pad_id|>"},
    "mistral": {"bos": "<s>", "eos": "</s>", "pad": "<unk>"},
}
_SPECIAL = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>",  # ChatML (Qwen)
    "<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|eom_id|>",
    "<|python_tag|>", "<|finetune_right_pad_id|>",  # Llama 3
    "<s>", "</s>", "<unk>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[/AVAILABLE_TOOLS]",
    "[TOOL_CALLS]", "[TOOL_RESULTS]", "[/TOOL_RESULTS]",  # Mistral v3
]  # fmt: skip
# Qwen's tool tags are added tokens but not special: they survive decoding with skip_special_tokens.
_ADDED = ["<tool_call>", "</tool_call>"]
_CORPUS = (
    "What is the weather in Paris today? Which hiking boots are waterproof? Show me a tent for two people. "
    "Please call the function with its arguments. The shop sells jackets, boots, tents and sleeping bags. "
    '{"name": "get_weather", "arguments": {"city": "Paris"}} {"type": "object", "properties": {}} '
)

# Shapes: "cpu" is for tests and CI (seconds on 2 cores); "gpu" has the per-token work of a ~135M model
# (SmolLM2-135M's layers), with the small vocabulary of the tiny tokenizer.
SIZES: dict[str, dict[str, int]] = {
    "cpu": {
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
    },
    "gpu": {
        "hidden_size": 576,
        "intermediate_size": 1536,
        "num_hidden_layers": 30,
        "num_attention_heads": 9,
        "num_key_value_heads": 3,
    },
}


def tiny_tokenizer(
    chat_template: str, *, family: str = "qwen2.5", corpus: Sequence[str] = (), vocab_size: int = 600
) -> Any:
    """A fast byte-level BPE tokenizer with `chat_template` and the special tokens of `family`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tokens = FAMILIES[family]
    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=_SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator([_CORPUS, chat_template, *corpus], trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token=tokens["bos"],
        eos_token=tokens["eos"],
        pad_token=tokens["pad"],
        additional_special_tokens=[t for t in _SPECIAL if t not in tokens.values()],
    )
    tokenizer.add_tokens(_ADDED)
    tokenizer.chat_template = chat_template
    return tokenizer


def tiny_llama(
    tokenizer: Any,
    *,
    size: Literal["cpu", "gpu"] = "cpu",
    seed: int = 0,
    initializer_range: float | None = None,
) -> Any:
    """A random-weight `LlamaForCausalLM` sized for `tokenizer` (float32, on CPU; move it where you need it).

    The "cpu" size starts with peakier random logits (initializer_range 0.1 instead of transformers' 0.02): fewer
    near-ties, so greedy decoding is stable across batch shapes and kernels (tests compare token for token). The
    deep "gpu" size keeps 0.02, which trains stably."""
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        max_position_embeddings=4096,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
        initializer_range=initializer_range or (0.1 if size == "cpu" else 0.02),
        **SIZES[size],
    )
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config).eval()
    model.generation_config = GenerationConfig(
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id
    )
    return model


@dataclass(frozen=True)
class Lesson:
    """One prompt (messages, optional tools) and the exact answer the model must learn to give."""

    messages: list[dict[str, Any]]
    answer: str
    tools: list[dict[str, Any]] | None = None


def lesson_ids(tokenizer: Any, lesson: Lesson) -> tuple[list[int], list[int]]:
    """(prompt ids as the chat template renders them, answer ids ending with the end-of-turn token)."""
    prompt = tokenizer.apply_chat_template(
        lesson.messages, tools=lesson.tools, add_generation_prompt=True, tokenize=False
    )
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    answer_ids = tokenizer(lesson.answer, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    return prompt_ids, answer_ids


def teach(
    model: Any,
    tokenizer: Any,
    lessons: Sequence[Lesson],
    *,
    max_steps: int = 600,
    lr: float | None = None,
    margin: float = 2.0,
) -> int:
    """Fine-tune `model` (in place, float32) until greedy decoding gives every lesson's answer, each token ahead of
    the runner-up by `margin` logits (a wider margin survives bfloat16); returns the steps taken. Raises
    RuntimeError if `max_steps` were not enough. On CPU it trains on one thread (faster on busy cores)."""
    import torch

    if lr is None:  # deeper models want smaller steps
        lr = 3e-3 if model.config.num_hidden_layers <= 4 else 1e-3
    threads = torch.get_num_threads()
    if model.device.type == "cpu":
        torch.set_num_threads(1)
    try:
        return _train(model, tokenizer, lessons, max_steps, lr, margin)
    finally:
        torch.set_num_threads(threads)


def _train(
    model: Any, tokenizer: Any, lessons: Sequence[Lesson], max_steps: int, lr: float, margin: float
) -> int:
    import torch

    device = model.device
    pairs = [lesson_ids(tokenizer, lesson) for lesson in lessons]
    width = max(len(p) + len(a) for p, a in pairs)
    ids = torch.full((len(pairs), width), tokenizer.pad_token_id, dtype=torch.long)
    labels = torch.full((len(pairs), width), -100, dtype=torch.long)
    mask = torch.zeros((len(pairs), width), dtype=torch.long)
    for i, (p, a) in enumerate(pairs):  # right padding: training needs no left alignment
        seq = p + a
        ids[i, : len(seq)] = torch.tensor(seq)
        mask[i, : len(seq)] = 1
        labels[i, len(p) : len(seq)] = torch.tensor(a)
    ids, labels, mask = ids.to(device), labels.to(device), mask.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    model.train()
    try:
        for step in range(1, max_steps + 1):
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if step % 25 == 0 and loss.item() < 0.05 and _answers_right(model, ids, labels, mask, margin):
                return step
    finally:
        model.eval()
    raise RuntimeError(
        f"the tiny model did not learn its lessons in {max_steps} steps (loss {loss.item():.3f})"
    )


def _answers_right(model: Any, ids: Any, labels: Any, mask: Any, margin: float) -> bool:
    """Teacher-forced check: every answer token is the argmax, ahead of the runner-up by `margin` logits."""
    import torch

    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
    target = labels[:, 1:]
    known = target != -100
    picked = logits.gather(-1, target.clamp(min=0)[..., None])[..., 0]
    runner_up = logits.scatter(-1, target.clamp(min=0)[..., None], float("-inf")).max(-1).values
    return bool(((picked - runner_up)[known] > margin).all())
