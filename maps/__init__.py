"""Noriai maps: the city's road network, snapping, travel-time matrices, route geometry,
places, service areas and web-map layers, all offline from bundled data.

```python
from maps import MapsConfig, load_map
m = load_map(MapsConfig.bundled("kamisu", cache_dir=...))
a, b = m.snap(35.89003, 140.66446), m.snap(35.75682, 140.81373)
durations_s, distances_m = m.matrix([a.node], [b.node])
```
"""

from __future__ import annotations

from maps.areas import Area as Area
from maps.areas import ServiceAreas as ServiceAreas
from maps.citymap import CityMap as CityMap
from maps.citymap import DemandCell as DemandCell
from maps.citymap import RouteGeometry as RouteGeometry
from maps.citymap import Snap as Snap
from maps.citymap import load_map as load_map
from maps.config import DEFAULT_SPEEDS_KPH as DEFAULT_SPEEDS_KPH
from maps.config import CityInfo as CityInfo
from maps.config import MapsConfig as MapsConfig
from maps.config import bundled_city_dir as bundled_city_dir
from maps.errors import MapDataError as MapDataError
from maps.errors import MapsError as MapsError
from maps.errors import SnapError as SnapError
from maps.network import load_network as load_network
from maps.places import Place as Place
from maps.places import Places as Places
from maps.places import Town as Town
from maps.places import Towns as Towns
from maps.places import normalize as normalize
from maps.preview import render_preview_html as render_preview_html
from maps.routing import UNREACHABLE as UNREACHABLE
