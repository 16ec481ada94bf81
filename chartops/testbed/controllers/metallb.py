"""MetalLB's controller (its webhook server included): allocates LoadBalancer addresses from the
chart's pools and admits the chart's configuration objects."""

from __future__ import annotations

from chartops.testbed.builds import Controller

CONTROLLER = Controller("metallb", "metallb", "go.universe.tf/metallb", "go.universe.tf/metallb/controller",
                        "controller")
