"""Travel-time matrices: symmetry, one-way streets, triangle inequality, agreement with
networkx and scipy, and the city hall -> Hasaki reference trip."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from maps import UNREACHABLE, CityMap
from maps.network import NetworkArrays
from maps.routing import Router
from tests.maps.conftest import CITY_HALL, HASAKI_BRANCH


@pytest.fixture(scope="module")
def sample_nodes(kamisu: CityMap) -> list[int]:
    """60 random nodes of the graph (seeded)."""
    rng = np.random.default_rng(7)
    return [int(n) for n in rng.choice(kamisu.net.node_ids, size=60, replace=False)]


def test_city_hall_to_hasaki_takes_20_to_40_minutes(kamisu: CityMap) -> None:
    """The reference trip along route 124 takes between 20 and 40 minutes, about 21 km."""
    a, b = kamisu.snap(*CITY_HALL), kamisu.snap(*HASAKI_BRANCH)
    durations, distances = kamisu.matrix([a.node, b.node], [a.node, b.node])
    assert durations.dtype == np.int64 and distances.dtype == np.int64
    assert 20 * 60 <= durations[0, 1] <= 40 * 60
    assert 20 * 60 <= durations[1, 0] <= 40 * 60
    assert 18_000 <= distances[0, 1] <= 25_000
    assert durations[0, 0] == durations[1, 1] == 0


def test_one_way_streets_are_asymmetric(kamisu: CityMap) -> None:
    """Along a one-way edge u->v the way back v->u is longer (a detour)."""
    graph = kamisu.graph
    one_way = [(u, v) for u, v, d in graph.edges(data=True) if not graph.has_edge(v, u)]
    assert one_way, "the Kamisu graph has one-way streets"
    nodes = sorted({n for pair in one_way[:40] for n in pair})
    durations, _ = kamisu.matrix(nodes, nodes)
    pos = {n: i for i, n in enumerate(nodes)}
    stricter = 0
    for u, v in one_way[:40]:
        forward, back = durations[pos[u], pos[v]], durations[pos[v], pos[u]]
        edge_time = min(d["travel_time"] for d in graph[u][v].values())
        assert forward <= edge_time + 1
        stricter += back > forward
    assert stricter >= 35


def test_two_way_streets_are_symmetric(kamisu: CityMap) -> None:
    """Where a two-way street is the fastest path between its ends, both directions match."""
    graph = kamisu.graph
    two_way = [(u, v) for u, v in list(graph.edges())[::500] if graph.has_edge(v, u) and u != v]
    nodes = sorted({n for pair in two_way for n in pair})
    durations, distances = kamisu.matrix(nodes, nodes)
    pos = {n: i for i, n in enumerate(nodes)}
    checked = 0
    for u, v in two_way:
        length = min(d["length"] for d in graph[u][v].values())
        if abs(distances[pos[u], pos[v]] - length) <= 1:  # the street itself is the path
            assert durations[pos[v], pos[u]] == durations[pos[u], pos[v]]
            assert abs(distances[pos[v], pos[u]] - distances[pos[u], pos[v]]) <= 1
            checked += 1
    assert checked >= 20


def test_triangle_inequality(kamisu: CityMap, sample_nodes: list[int]) -> None:
    """d(a, c) <= d(a, b) + d(b, c) for all sampled triples (1 s rounding slack)."""
    durations, _ = kamisu.matrix(sample_nodes, sample_nodes)
    slack = durations[:, :, None] + durations[None, :, :] + 1  # [a, b, c] = d(a,b) + d(b,c)
    direct = durations[:, None, :]  # [a, ., c] = d(a, c)
    assert (direct <= slack).all()


def test_matrix_agrees_with_networkx(kamisu: CityMap, sample_nodes: list[int]) -> None:
    """Durations match networkx's fastest paths; distances are the length of a path whose
    exact time is that fastest time (near-ties may pick another path of equal time).
    """
    graph, net = kamisu.graph, kamisu.net
    src, dst = sample_nodes[:4], sample_nodes[4:8]
    durations, distances = kamisu.matrix(src, dst)
    for i, a in enumerate(src):
        times = nx.single_source_dijkstra_path_length(graph, a, weight="travel_time")
        for j, b in enumerate(dst):
            assert durations[i, j] == pytest.approx(times[b], abs=3)
            ia, ib = (int(x) for x in kamisu.node_index([a, b]))
            edges = kamisu.router.path_edges(ia, ib)
            assert edges is not None
            assert float(net.edge_time_s[edges].sum()) == pytest.approx(times[b], abs=3)
            assert distances[i, j] == pytest.approx(
                float(net.edge_length_m[edges].sum()), rel=1e-3, abs=5
            )


def test_cch_and_dijkstra_give_identical_matrices(kamisu: CityMap, sample_nodes: list[int]) -> None:
    """The contraction hierarchy and scipy's Dijkstra return the same integers."""
    assert kamisu.router.engine == "cch"
    idx = kamisu.node_index(sample_nodes)
    fast = kamisu.router.matrix(idx[:30], idx[30:])
    slow = kamisu.router.matrix_dijkstra(idx[:30], idx[30:])
    np.testing.assert_array_equal(fast[0], slow[0])
    np.testing.assert_array_equal(fast[1], slow[1])


def test_parallel_edges_keep_the_shortest(kamisu: CityMap) -> None:
    """Between two nodes joined by several edges the matrix uses the lightest one."""
    graph = kamisu.graph
    pairs = [(u, v) for u, v in graph.edges() if len(graph[u][v]) > 1]
    if not pairs:
        pytest.skip("no parallel edges in this graph")
    u, v = pairs[0]
    durations, _ = kamisu.matrix([u], [v])
    best = min(d["travel_time"] for d in graph[u][v].values())
    assert durations[0, 0] <= round(best) + 1


def test_route_geometry_matches_matrix(kamisu: CityMap) -> None:
    """The route's duration and distance equal the matrix entry; its line joins the nodes."""
    a, b = kamisu.snap(*CITY_HALL), kamisu.snap(*HASAKI_BRANCH)
    route = kamisu.route(a.node, b.node)
    durations, distances = kamisu.matrix([a.node], [b.node])
    assert route.duration_s == durations[0, 0]
    assert route.distance_m == distances[0, 0]
    assert len(route.coordinates) > 50
    lat_a, lon_a = kamisu.node_latlon(a.node)
    lat_b, lon_b = kamisu.node_latlon(b.node)
    assert route.coordinates[0] == pytest.approx((lon_a, lat_a), abs=1e-5)
    assert route.coordinates[-1] == pytest.approx((lon_b, lat_b), abs=1e-5)
    feature = route.to_geojson()
    assert feature["geometry"]["type"] == "LineString"
    assert kamisu.route(a.node, a.node).duration_s == 0


def test_route_times_follow_the_road_speeds(kamisu: CityMap) -> None:
    """Every position has its driving time from the start: rising, ending at the duration,
    and (roads differ in speed) not simply proportional to the length driven.
    """
    a, b = kamisu.snap(*CITY_HALL), kamisu.snap(*HASAKI_BRANCH)
    route = kamisu.route(a.node, b.node)
    times = np.asarray(route.times_s)
    assert len(times) == len(route.coordinates)
    assert times[0] == 0.0
    assert np.all(np.diff(times) >= 0)
    assert times[-1] == pytest.approx(route.duration_s, abs=2)
    coords = np.asarray(route.coordinates)
    lengths = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(coords, axis=0).T))])
    by_length = lengths / lengths[-1] * times[-1]
    assert np.max(np.abs(by_length - times)) > 30  # seconds: speeds really differ
    assert kamisu.route(a.node, a.node).times_s == (0.0, 0.0)


def test_unknown_node_is_a_clear_error(kamisu: CityMap) -> None:
    """A node id that is not in the graph raises ValueError naming it."""
    with pytest.raises(ValueError, match="unknown road node"):
        kamisu.matrix([-12345], [int(kamisu.net.node_ids[0])])


def _tiny_network() -> NetworkArrays:
    """Three nodes 100 m apart on a line: 0 <-> 1 two-way, 1 -> 2 one-way, nothing back."""
    lon = np.array([139.0, 139.0011, 139.0022])
    lat = np.array([35.0, 35.0, 35.0])
    u, v = np.array([0, 1, 1], dtype=np.int32), np.array([1, 0, 2], dtype=np.int32)
    return NetworkArrays(
        node_ids=np.array([10, 11, 12], dtype=np.int64),
        lat=lat,
        lon=lon,
        edge_u=u,
        edge_v=v,
        edge_length_m=np.array([100.0, 100.0, 100.0]),
        edge_time_s=np.array([12.0, 12.0, 12.0]),
        edge_class=np.zeros(3, dtype=np.int16),
        edge_stoppable=np.ones(3, dtype=bool),
        class_names=("residential",),
        geom_offsets=np.array([0, 2, 4, 6]),
        geom_lon=np.concatenate([lon[[a, b]] for a, b in zip(u, v, strict=True)]),
        geom_lat=np.concatenate([lat[[a, b]] for a, b in zip(u, v, strict=True)]),
        cache_key="tiny",
    )


@pytest.mark.parametrize("engine", ["cch", "dijkstra"])
def test_unreachable_pairs_are_marked(engine: str) -> None:
    """Pairs with no path get UNREACHABLE from both engines; others exact values."""
    router = Router(_tiny_network(), None)
    nodes = np.array([0, 1, 2])
    run = router.matrix if engine == "cch" else router.matrix_dijkstra
    durations, distances = run(nodes, nodes)
    assert durations[0, 2] == 24 and distances[0, 2] == 200
    assert durations[2, 0] == UNREACHABLE and distances[2, 1] == UNREACHABLE
    assert durations[1, 0] == durations[0, 1] == 12
    assert router.path_edges(2, 0) is None
    assert router.path_edges(0, 2) == [0, 2]
