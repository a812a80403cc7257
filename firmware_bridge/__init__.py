"""Wire formats of Touchline sensors: frames, standard-sensor decoders, virtual sensors.

- `frame`: frame v1 encode/decode (`decode_frame`, `decode_frames_bulk`), `FrameError`
- `stream`: `FrameStream` / `SerialFrameReader` for COBS-framed serial bytes
- `samples`: the decoded sample types every decoder returns
- `standard`: BLE heart rate and battery, NMEA GPS, WitMotion IMUs
- `virtual`: virtual devices, a pty serial device and a fake BLE radio
- `config`: every protocol constant, range table and GATT UUID
- `c/touchline_frame.h`: the same protocol for sensor firmware (C99, header-only)

Layout, scales and examples: docs/protocol.md.
"""
