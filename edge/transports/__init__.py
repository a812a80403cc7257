"""Sensor transports behind one interface, chosen here from each sensor's address.

- `virtual://squad?…`  simulated players (`edge.transports.virtual`)
- `/dev/…`, `COM3`, `loop://`, `socket://…`, `rfc2217://…`  serial (`edge.transports.serial`)
- anything else (a BLE MAC `AA:BB:…` or a macOS UUID)  BLE (`edge.transports.ble`)

Modules for a backend are imported only in its branch, so a sideline without bleak
installed can still run serial and virtual sensors.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

from edge.backoff import Backoff
from edge.config import ReconnectSettings
from edge.packets import SensorRole
from edge.transports.base import Link, LinkTransport, Transport

SERIAL_PREFIXES = ("/dev/", "COM", "loop://", "socket://", "rfc2217://", "spy://", "alt://")


def kind_of(address: str) -> str:
    """ "virtual", "serial" or "ble" for a sensor address."""
    from edge.transports.virtual import is_virtual

    if is_virtual(address):
        return "virtual"
    if address.startswith(SERIAL_PREFIXES):
        return "serial"
    return "ble"


def build_transports(
    roles: list[SensorRole],
    reconnect: ReconnectSettings,
    session_clock: Callable[[], float] | None = None,
) -> list[Transport]:
    """One transport per virtual squad, one link transport for all real sensors."""
    squads: dict[str, list[SensorRole]] = defaultdict(list)
    links: list[Link] = []
    for role in roles:
        kind = kind_of(role.address)
        if kind == "virtual":
            from edge.transports.virtual import squad_address_of

            squads[squad_address_of(role.address)].append(role)
        elif kind == "serial":
            from edge.transports.serial import SerialLink

            links.append(SerialLink(role.address, protocol=role.protocol))
        else:
            from edge.transports.ble import BleLink
            from firmware_bridge.profiles import get_profile

            links.append(BleLink(role.address, profile=get_profile(role.protocol)))
    transports: list[Transport] = []
    if squads:
        from edge.transports.virtual import VirtualSquadTransport

        transports += [VirtualSquadTransport(address) for address in squads]
    if links:
        start = time.monotonic()
        transports.append(
            LinkTransport(
                links,
                Backoff(reconnect.initial_s, reconnect.max_s, reconnect.jitter),
                session_clock or (lambda: time.monotonic() - start),
            )
        )
    return transports
