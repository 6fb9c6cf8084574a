"""`python -m bench.cluster`: the two-server soak (bench/cluster_soak.py) on the setup of bench/cluster_nodes.py,
one server against two in the same run, then kill -9 of one of them midway; writes bench/results/cluster.json.

    with Cluster.start(root, servers=2) as cluster:   # the setup alone (tests/e2e/test_two_servers.py)
        cluster.servers[0].url
"""

from __future__ import annotations

from bench.cluster_nodes import MARKETER_KEY, Cluster, Process, server_env, small_shop, start_chroma

__all__ = ["MARKETER_KEY", "Cluster", "Process", "main", "server_env", "small_shop", "start_chroma"]


def main(argv: list[str] | None = None) -> int:
    from bench.cluster_soak import main as soak_main

    return soak_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
