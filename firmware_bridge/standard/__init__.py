"""Decoders for off-the-shelf sensors: BLE heart-rate straps, NMEA GPS, WitMotion IMUs.

Each maps to the same sample types as frame v1 (firmware_bridge.samples).
"""
