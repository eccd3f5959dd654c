"""Loading the road graph: edge attributes from configured speeds, and the on-disk cache."""

from __future__ import annotations

import math

import networkx as nx
import pytest

from maps import CityMap, MapsConfig, load_network
from maps.network import apply_speeds, cache_folder, load_arrays, road_class


def test_every_edge_has_length_and_travel_time_from_speeds(kamisu: CityMap) -> None:
    """Every edge has a positive length and travel_time = length / configured speed."""
    graph = kamisu.graph
    assert isinstance(graph, nx.MultiDiGraph)
    assert graph.number_of_nodes() > 10_000
    speeds = {"trunk": 50.0, "primary": 50.0, "secondary": 40.0, "tertiary": 40.0}
    speeds |= {"residential": 30.0, "service": 20.0}
    for _, _, data in graph.edges(data=True):
        assert data["length"] > 0
        expected = data["length"] / (speeds[road_class(data["highway"], speeds)] / 3.6)
        assert math.isclose(data["travel_time"], expected, rel_tol=1e-9)


def test_graph_is_strongly_connected(kamisu: CityMap) -> None:
    """Every node reaches every other node (the bundled graph is one strong component)."""
    assert nx.is_strongly_connected(kamisu.graph)


def test_second_load_reads_the_cache(kamisu: CityMap, kamisu_config: MapsConfig) -> None:
    """The parsed forms are cached under cache_dir and a second load reads, not rebuilds, them."""
    folder, _, _ = cache_folder(kamisu_config)
    cached = [folder / "network.npz", folder / "graph.pickle"]
    stamps = [p.stat().st_mtime_ns for p in cached]
    arrays = load_arrays(kamisu_config)
    assert len(arrays.node_ids) == kamisu.graph.number_of_nodes()
    assert len(arrays.edge_u) == kamisu.graph.number_of_edges()
    assert load_network(kamisu_config).number_of_edges() == kamisu.graph.number_of_edges()
    assert [p.stat().st_mtime_ns for p in cached] == stamps  # nothing was written again


def test_cache_key_depends_on_speeds(kamisu_config: MapsConfig) -> None:
    """Other speeds give another cache folder, so stale travel times are never reused."""
    slower = MapsConfig(
        data_dir=kamisu_config.data_dir,
        cache_dir=kamisu_config.cache_dir,
        speeds_kph={"residential": 15.0},
    )
    assert cache_folder(slower)[0] != cache_folder(kamisu_config)[0]


def test_apply_speeds_uses_link_roads_and_fastest_of_a_list() -> None:
    """A *_link counts as its road class; a merged edge takes its fastest class."""
    graph = nx.MultiDiGraph()
    graph.add_edge(1, 2, length=1000.0, highway="primary_link")
    graph.add_edge(2, 3, length=1000.0, highway=["residential", "trunk"])
    graph.add_edge(3, 1, length=1000.0, highway="weird_class")
    apply_speeds(graph, {"primary": 36.0, "trunk": 72.0, "residential": 18.0})
    assert graph[1][2][0]["travel_time"] == pytest.approx(100.0)
    assert graph[2][3][0]["travel_time"] == pytest.approx(50.0)
    assert graph[3][1][0]["travel_time"] == pytest.approx(120.0)  # fallback 30 km/h


def test_road_class_reads_graphml_list_repr() -> None:
    """A merged edge's highway list, stored in GraphML as its repr, is parsed back."""
    speeds = {"residential": 30.0, "tertiary": 40.0}
    assert road_class("['residential', 'tertiary']", speeds) == "tertiary"
    assert road_class("[not a list", speeds) == "[not a list"
