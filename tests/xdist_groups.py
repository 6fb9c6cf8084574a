"""Which tests share one pytest-xdist worker under `pytest -n 2 --dist loadgroup` (a plugin the root conftest loads).

A test that uses an expensive per-process resource (the bundled chat model, a private PostgreSQL server, the indexed
demo shop, the live app and its browser) is marked `xdist_group(<resource>)`, so the resource is built once per run on
one worker rather than once per worker; a test that uses a module-scoped fixture joins its module's group, for the same
reason. A test that carries its own `xdist_group` mark keeps it. Without xdist the marks change nothing.
"""

from __future__ import annotations

import pytest

# session fixtures -> the group of every test that uses them
SHARED_FIXTURE_GROUPS = {
    "local_llm": "bundled-llm",
    "llm_server": "bundled-llm",
    "remote_llm": "bundled-llm",
    "assistant_shop": "assistant-shop",
    "shop_env": "assistant-shop",
    "postgres_server": "postgres",
}
# markers -> group: every browser test drives the one headless Chromium against the one live app (tests/ui/live_app.py)
SHARED_MARKER_GROUPS = {"browser": "live-app"}


def shared_group(item: pytest.Item) -> str | None:
    """The group of a test that uses a shared resource, or None."""
    marked = [m.name for m in item.iter_markers() if m.name in SHARED_MARKER_GROUPS]
    if marked:
        return SHARED_MARKER_GROUPS[marked[0]]
    params = getattr(getattr(item, "callspec", None), "params", {})
    # database_url[postgresql] asks for the server inside the fixture (getfixturevalue), not by name
    used = [*item.fixturenames, *(["postgres_server"] if params.get("database_url") == "postgresql" else [])]
    shared = next((SHARED_FIXTURE_GROUPS[name] for name in used if name in SHARED_FIXTURE_GROUPS), None)
    return shared or _module_group(item)


def _module_group(item: pytest.Item) -> str | None:
    """The module's own group when the test uses a module-scoped fixture (an index of the demo shop, an Assistant over
    one): the module's tests then run on one worker and the fixture is built once per run, not once per worker (two
    60-second builds of the same index were in every run before)."""
    defs = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    if any(d and d[-1].scope == "module" for d in defs.values()):
        return f"module:{item.nodeid.split('::', 1)[0]}"
    return None


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    loadgroup = bool(
        getattr(config.option, "loadgroup", False)
    )  # set on xdist workers under --dist loadgroup
    for item in items:
        if not item.get_closest_marker("xdist_group"):
            group = shared_group(item)
            if group:
                item.add_marker(pytest.mark.xdist_group(group))
        if loadgroup:
            _name_the_group(item)


def _name_the_group(item: pytest.Item) -> None:
    # xdist 3.8 tells the scheduler a test's group by appending "@group" to `item._nodeid`; pytest 9 keeps the node id
    # in `item._id` instead, so the suffix never reaches the scheduler and groups are split. Set it where pytest 9 reads.
    if not hasattr(item, "_id") or "@" in item.nodeid:
        return
    groups = sorted(
        {
            str(m.args[0] if m.args else m.kwargs.get("name", "default"))
            for m in item.iter_markers("xdist_group")
        }
    )
    if groups:
        from _pytest.nodeid import coerce_node_id

        item._id = coerce_node_id(f"{item.nodeid}@{'_'.join(groups)}")
