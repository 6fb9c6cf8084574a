"""The workspace's Results tab: import a Google Ads or Meta ad report, then see per ad group how each variant did, how
sure that is (CTR and conversion-rate posteriors with 95% credible intervals), the probability each is best, and the
budget split to run next, with a chart of the posterior densities.

Everything comes from the application API (`import_campaign_report`, `campaign_results`, `example_campaign_report`;
the marketer role checked there), the same methods the HTTP routes under /v1/campaign-results call; these functions
only lay the answers out. The demo shop has no ad account: "Example report" writes one with simulated figures for the
brief's drafts, in the platform's own layout, to try the import with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402
from scipy import stats  # noqa: E402

from assistant import AssistantAPI, AssistantError, Caller  # noqa: E402
from ui.panels import GetAPI, dataframe, download, error_box, problem, workspace_caller  # noqa: E402
from ui.tables import percent  # noqa: E402

MAX_GROUPS_PLOTTED = 6  # one row of the chart per ad group; the table keeps them all
LABEL_CHARS = 28
RESULT_COLUMNS = [
    "Ad group", "Channel", "Draft", "Variant", "First line", "Impressions", "Clicks", "CTR (95% interval)",
    "Conversions", "Conv. rate (95% interval)", "Cost", "Cost/conv.", "P(best)", "Next budget share",
]  # fmt: skip


def _interval(rate: Any) -> str:
    return f"{percent(rate.mean)} ({percent(rate.low)}–{percent(rate.high)})"


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def results_table(results: Any) -> tuple[list[str], list[list[Any]]]:
    rows = []
    for group in results.groups:
        for v in group.variants:
            money = f"{v.cost:,.2f} {v.currency}".strip() if v.cost else ""
            per = f"{v.cost_per_conversion:,.2f}" if v.cost_per_conversion is not None else ""
            rows.append(
                [
                    group.ad_group, group.channel, v.draft_id, v.variant, v.label, f"{v.impressions:,}",
                    f"{v.clicks:,}", _interval(v.ctr), f"{v.conversions:,.1f}", _interval(v.conversion_rate),
                    money, per, percent(v.p_best), percent(v.share),
                ]
            )  # fmt: skip
    return RESULT_COLUMNS, rows


def _densities(ax: Any, variants: list[Any], attr: str, title: str) -> None:
    highs = [getattr(v, attr).high for v in variants]
    grid = np.linspace(0, max(highs) * 1.25, 400)
    for v in variants:
        rate = getattr(v, attr)
        ax.plot(grid, stats.beta.pdf(grid, rate.alpha, rate.beta), label=f"draft {v.draft_id}")
        ax.axvspan(rate.low, rate.high, alpha=0.08, color=ax.lines[-1].get_color())
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)


def results_figure(results: Any) -> Figure:
    """Per ad group: the CTR and conversion-rate posterior densities (shaded: 95% intervals), and P(best) beside the
    recommended budget share."""
    groups = results.groups[:MAX_GROUPS_PLOTTED]
    figure, axes = plt.subplots(
        len(groups), 3, figsize=(13, 3.0 * len(groups)), layout="constrained", squeeze=False
    )
    for row, group in zip(axes, groups, strict=True):
        theme = group.ad_group.removeprefix(f"{results.brief_name} - ")  # the title names the campaign
        name = f"{_short(theme)} ({group.channel})"
        _densities(row[0], group.variants, "ctr", f"{name}: click-through rate")
        _densities(row[1], group.variants, "conversion_rate", "conversion rate (per click)")
        labels = [f"draft {v.draft_id}" for v in group.variants]
        positions = np.arange(len(labels))
        row[2].barh(positions + 0.2, [v.p_best for v in group.variants], height=0.4, label="P(best)")
        row[2].barh(positions - 0.2, [v.share for v in group.variants], height=0.4, label="next budget share")
        row[2].set_yticks(positions, labels, fontsize=8)
        row[2].set_xlim(0, 1)
        row[2].xaxis.set_major_formatter(PercentFormatter(1.0))
        row[2].set_title(f"best by {group.objective}", fontsize=9)
        row[0].legend(fontsize=7)
    axes[0][2].legend(fontsize=7, loc="lower right")
    figure.suptitle(f"{results.brief_name}: what each variant's results say (Beta posteriors)")
    plt.close(figure)  # gradio draws it; pyplot need not keep it
    return figure


def show_results(api: AssistantAPI, caller: Caller, brief: str | None) -> tuple[Any, Figure | None, str]:
    """(the table, the chart or None, the summary) for a brief (None: the campaign with results)."""
    results = api.campaign_results(caller, brief or None)
    if results.outcome != "ok":
        return dataframe(results_table(results)), None, results.question or results.summary
    return dataframe(results_table(results)), results_figure(results), results.summary


def import_report(api: AssistantAPI, caller: Caller, path: str | None) -> str:
    if not path:
        raise AssistantError(
            "Choose a report file first (CSV downloaded from Google Ads or Meta Ads Manager)."
        )
    done = api.import_campaign_report(caller, Path(path).name, Path(path).read_bytes())
    return (
        f"Imported {done.filename}: {done.rows} row(s) of a {done.platform} report for draft(s) "
        f"{', '.join(map(str, done.drafts))}: {done.impressions:,} impressions, {done.clicks:,} clicks, "
        f"{done.conversions:,.1f} conversions."
    )


class ResultsTab:
    """The Results tab of the workspace."""

    def __init__(self, get_api: GetAPI):
        self.get_api = get_api

    def run(self, fn: Any, request: gr.Request, *args: Any) -> Any:
        return fn(self.get_api(), workspace_caller(request), *args)

    def build(self) -> None:
        gr.Markdown(
            "Import the ad report Google Ads or Meta Ads Manager exports (CSV, ad level). Each row is tied to the "
            "draft it is about; a bad file is refused whole, with every bad row named."
        )
        with gr.Row():
            brief = gr.Dropdown(label="Campaign brief", choices=[], elem_id="results-brief", scale=3)
            load = gr.Button("Load briefs", elem_id="results-load", scale=1)
        with gr.Row():
            report = gr.File(
                label="Report (CSV)", file_types=[".csv", ".tsv", ".txt"], elem_id="results-file"
            )
            example = gr.File(label="Example report (simulated figures)", elem_id="results-example")
        with gr.Row():
            do_import = gr.Button("Import report", variant="primary", elem_id="results-import")
            google = gr.Button("Example Google Ads report", elem_id="results-example-google")
            meta = gr.Button("Example Meta report", elem_id="results-example-meta")
            show = gr.Button("Show results", variant="primary", elem_id="results-show")
        error = error_box("results-error")
        summary = gr.Markdown(elem_id="results-summary")
        table = gr.Dataframe(label="Variants", elem_id="results-table", interactive=False, wrap=True)
        plot = gr.Plot(label="Posteriors", show_label=False, elem_id="results-plot")

        def on_load(request: gr.Request):
            try:
                names = self.run(lambda api, caller: api.copy_options(caller).briefs, request)
                return gr.Dropdown(choices=names, value=names[0] if names else None), ""
            except AssistantError as exc:
                return gr.skip(), problem(exc.message)

        def on_import(path: str | None, name: str | None, request: gr.Request):
            try:
                note = self.run(import_report, request, path)
                shown, figure, words = self.run(show_results, request, name)
                return (
                    shown,
                    figure,
                    f"{note}\n\n{words}",
                    "",
                    None,
                )  # imported: the upload is cleared for the next
            except AssistantError as exc:  # refused: the file stays beside the error that names its rows
                return gr.skip(), gr.skip(), gr.skip(), problem(exc.message), gr.skip()

        def on_show(name: str | None, request: gr.Request):
            try:
                return (*self.run(show_results, request, name), "")
            except AssistantError as exc:
                return gr.skip(), gr.skip(), gr.skip(), problem(exc.message)

        def on_example(channel: str):
            def make(name: str | None, request: gr.Request):
                try:
                    if not name:
                        raise AssistantError("Pick a campaign brief first (Load briefs fills the list).")
                    made = self.run(
                        lambda api, caller: api.example_campaign_report(caller, name, channel), request
                    )
                    return download(made), ""
                except AssistantError as exc:
                    return gr.skip(), problem(exc.message)

            return make

        load.click(on_load, None, [brief, error], api_name=False)
        do_import.click(on_import, [report, brief], [table, plot, summary, error, report], api_name=False)
        show.click(on_show, [brief], [table, plot, summary, error], api_name=False)
        google.click(on_example("google-rsa"), [brief], [example, error], api_name=False)
        meta.click(on_example("meta"), [brief], [example, error], api_name=False)
