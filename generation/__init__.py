"""The generation layer: the `LLM` seam and its backends, grounded answering, output guards, ad-copy drafting.

Light to import: the backends (torch, httpx) load only when `get_llm` builds one.
"""

from generation.llm import LLM, ChatResult, ToolCall, get_llm

__all__ = ["LLM", "ChatResult", "ToolCall", "get_llm"]
