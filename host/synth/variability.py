"""Which player variability a synthetic squad is drawn with: a named preset, or a TOML
file of `edge.sim.config.PlayerVariability` fields over a preset (configs/synth-*.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from edge.sim.config import VARIABILITY, PlayerVariability
from host.synth.config import SynthError

FIELDS = tuple(f.name for f in fields(PlayerVariability))


def load_variability(spec: str) -> PlayerVariability:
    """`wide` (the default), `narrow` (generator 1.0's spread) or a TOML file whose keys
    override a preset (`preset = "narrow"`, default wide), e.g. `calf_mount_deg = [3, 45]`."""
    if spec in VARIABILITY:
        return VARIABILITY[spec]
    path = Path(spec)
    if not path.is_file():
        raise SynthError(
            f"variability {spec!r}: neither a preset ({', '.join(VARIABILITY)}) nor a TOML file"
        )
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SynthError(f"{path}: not a TOML file ({exc})") from None
    preset = table.pop("preset", "wide")
    if preset not in VARIABILITY:
        raise SynthError(f"{path}: preset {preset!r} unknown; choose {', '.join(VARIABILITY)}")
    unknown = sorted(set(table) - set(FIELDS))
    if unknown:
        raise SynthError(
            f"{path}: unknown key {unknown[0]!r}; variability keys are {', '.join(FIELDS)}"
        )
    base = VARIABILITY[preset]
    merged = {name: table.get(name, getattr(base, name)) for name in FIELDS}
    try:
        return TypeAdapter(PlayerVariability).validate_python(merged)
    except ValidationError as exc:  # a wrong type, or PlayerVariability's own range checks
        first = exc.errors()[0]
        where = "".join(f"{part}: " for part in first["loc"][:1])
        raise SynthError(f"{path}: {where}{first['msg'].removeprefix('Value error, ')}") from None
