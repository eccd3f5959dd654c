"""Noriai feeds: the service published in open standards, and monthly open data.

``gtfs`` (GTFS with GTFS-Flex and GTFS-JP's agency fields) and ``gofs`` (GOFS
v1.0) are built from the city's configuration (``FeedConfig``) and map data
(``MapData``, ``source.load_map_data``); ``opendata`` makes the monthly
ridership tables with small counts suppressed. Pure functions: no web, no SQL;
the web edge (``booking_api``) builds the inputs and serves the results.
"""

from __future__ import annotations

from feeds.gofs import build_gofs as build_gofs
from feeds.gofs import discovery as discovery
from feeds.gofs import wait_time as wait_time
from feeds.gtfs import build_gtfs as build_gtfs
from feeds.gtfs import zip_feed as zip_feed
from feeds.model import Destination as Destination
from feeds.model import FeedConfig as FeedConfig
from feeds.model import MapData as MapData
from feeds.model import VehicleType as VehicleType
from feeds.model import Zone as Zone
from feeds.opendata import MemberRecord as MemberRecord
from feeds.opendata import MonthError as MonthError
from feeds.opendata import OpenDataConfig as OpenDataConfig
from feeds.opendata import TripRecord as TripRecord
from feeds.opendata import build_open_data as build_open_data
from feeds.opendata import parse_month as parse_month
from feeds.source import load_map_data as load_map_data
