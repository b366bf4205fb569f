"""A replica of the Wujin News news center, served on loopback for tests, the demo and benchmarks."""

from wjcrawl.replica.server import Replica
from wjcrawl.replica.site import CHANNELS, Site

__all__ = ["CHANNELS", "Replica", "Site"]
