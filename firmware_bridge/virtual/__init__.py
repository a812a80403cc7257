"""Virtual sensors: replay given sample arrays as real devices would send them.

`devices` turns arrays into timed frames with clock offset and drift, sequence numbers,
loss bursts, reordering, disconnects and battery drain; `pty_serial` puts them on a
pseudo-terminal that pyserial opens by path; `ble` is an in-process BLE central and
peripheral with bleak's method names. The motion itself comes from elsewhere (the
simulator or a recording): these devices only transmit it.
"""

from firmware_bridge.virtual.devices import (
    BatteryProfile,
    DeviceClock,
    Emission,
    LinkProfile,
    VirtualGpsDevice,
    VirtualHrDevice,
    VirtualImuDevice,
)

__all__ = [
    "BatteryProfile",
    "DeviceClock",
    "Emission",
    "LinkProfile",
    "VirtualGpsDevice",
    "VirtualHrDevice",
    "VirtualImuDevice",
]
