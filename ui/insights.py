"""The Insights tab: what customers asked that the assistant could not answer (or answered to a thumbs-down), grouped
by similarity, with counts and the documents that came closest, so the shop knows which page to write; CSV export."""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant import AssistantError
from ui.panels import GetAPI, dataframe, download, error_box, problem, with_progress, workspace_caller
from ui.tables import INSIGHT_HEADERS, INSIGHT_WIDTHS, insight_table


class InsightsTab:
    def __init__(self, get_api: GetAPI):
        self.get_api = get_api

    def build(self) -> None:
        gr.Markdown(
            "Questions the assistant searched our pages for and could not answer, and answers customers disliked, "
            "grouped by meaning. The closest documents show where an answer was expected: a page to write or extend."
        )
        load = gr.Button("Show unanswered questions", variant="primary", elem_id="insights-load")
        summary = gr.Markdown("", elem_id="insights-summary")
        table = gr.Dataframe(
            label="Questions without a good answer",
            elem_id="insights-table",
            interactive=False,
            wrap=True,
            headers=INSIGHT_HEADERS,
            value=[],
        )
        export = gr.File(label="CSV", elem_id="insights-csv")
        error = error_box("insights-error")
        load.click(self.on_load, None, [summary, table, export, error], api_name=False)

    def on_load(self, request: gr.Request):
        caller = workspace_caller(request)
        api = self.get_api()
        work = lambda: (api.insights(caller), api.insights_csv(caller))  # noqa: E731
        for progress, result, exc in with_progress(work, "Grouping the questions"):
            if exc is None and result is None:
                yield progress, gr.skip(), gr.skip(), ""
            elif isinstance(exc, AssistantError):
                yield "", gr.skip(), gr.skip(), problem(exc.message)
            elif exc is not None:
                raise exc
            else:
                report, csv_file = result
                yield (
                    self._summary(report),
                    dataframe(insight_table(report), INSIGHT_WIDTHS),
                    download(csv_file),
                    "",
                )

    @staticmethod
    def _summary(report: Any) -> str:
        if not report.groups:
            return (
                "Every customer question so far was answered from our pages, and no answer got a thumbs-down."
            )
        unanswered = sum(g.unanswered for g in report.groups)
        disliked = sum(g.thumbs_down for g in report.groups)
        return (
            f"**{report.questions}** question(s) in **{len(report.groups)}** group(s): {unanswered} unanswered, "
            f"{disliked} with a thumbs-down."
        )
