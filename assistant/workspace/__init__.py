"""The marketer's workspace behind the application API: drafts kept as records (`drafts`, `review`), exports of what
is approved (`exports`), the handoff inbox and its help-desk webhook (`inbox`, `webhook`), insights into what customers
could not get answered (`insights`), and what copy may target (`targets`). Front ends reach it through `assistant`'s
face (`AssistantAPI`, whose workspace part is `api.WorkspaceAPI`)."""
