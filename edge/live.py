"""The sideline's live table: one row per athlete, refreshed while recording.

Shows what staff glance at between drills: are the sensors connected and charged, is the
data good, and what has each player done so far (distance, high-speed running, sprints,
PlayerLoad, action counts and the last actions).
"""

from __future__ import annotations

from collections import Counter

from rich import box
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from edge.events import ActionEvent
from edge.stream import SessionProcessor
from edge.transports.base import LinkStatus

SHORT = {
    "sprint": "spr",
    "sudden_stop": "stop",
    "change_of_direction": "cod",
    "shot": "shot",
    "pass": "pass",
    "header": "head",
    "confrontation": "duel",
    "landing": "land",
}
LEGEND = "links W waist C calf T chest (torso) G GPS H heart rate · dist, HSR in m · PL PlayerLoad"
LINK_LETTERS = {"waist": "W", "calf": "C", "chest": "T", "gps": "G", "hr": "H"}


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60:d}:{minutes % 60:02d}:{secs:02d}"


def session_table(
    processor: SessionProcessor, statuses: list[LinkStatus], session_s: float
) -> Table:
    """The table for the current state of the session.

    Sized for a small sideline screen: it fits 80 columns, short headers, and the action
    cell wraps (counts first, then the last action and when) rather than being cut off.
    """
    by_address = {status.address: status for status in statuses}
    table = Table(
        title=f"Touchline · session {_clock(session_s)}",
        expand=True,
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        caption=LEGEND,
        caption_justify="left",
    )
    for name, justify in (
        ("athlete", "left"),
        ("links", "left"),
        ("batt", "right"),
        ("loss", "right"),
        ("dist", "right"),
        ("HSR", "right"),
        ("spr", "right"),
        ("PL", "right"),
    ):
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    table.add_column("actions", ratio=1, min_width=18, overflow="fold")
    for athlete_id, athlete in processor.athletes.items():
        sensors = processor.sensors_of(athlete_id)
        links = Text()
        for sensor in sensors:
            status = by_address.get(sensor.role.address)
            up = status.connected if status else sensor.frames > 0
            links.append(LINK_LETTERS.get(sensor.role.site, "?"), style="green" if up else "red")
        batteries = [s.battery_pct for s in sensors if s.battery_pct is not None]
        loss = max((s.loss_pct for s in sensors), default=0.0)
        zones = processor.speed_zones(athlete_id)
        table.add_row(
            athlete_id,
            links,
            f"{min(batteries):.0f}%" if batteries else "–",
            Text(f"{loss:.1f}%", style="red" if loss > 5 else ""),
            f"{zones.distance_m:.0f}" if zones else "–",
            f"{zones.hsr_m:.0f}" if zones else "–",
            str(zones.sprints) if zones else "–",
            f"{athlete.player_load:.0f}",
            _actions_cell(athlete.events),
        )
    return table


def _actions_cell(events: list[ActionEvent]) -> Text:
    """`spr:3 cod:2 pass:1` (a count never parted from its action when the cell wraps),
    then, dimmed, the last action and its session time."""
    if not events:
        return Text("–")
    counts = Counter(event.label for event in events)
    cell = Text(" ".join(f"{SHORT.get(k, k)}:{n}" for k, n in counts.most_common()))
    last = events[-1]
    cell.append(f"\nlast {SHORT.get(last.label, last.label)} {_clock(last.t_s)}", style="dim")
    return cell


class LiveView:
    """A rich Live display updated by `record`'s observer callback."""

    def __init__(self, console: Console | None = None, footer: str = "Ctrl-C ends the session"):
        self.console = console or Console()
        self.footer = footer
        self._live = Live(console=self.console, refresh_per_second=4, transient=False)

    def __enter__(self) -> LiveView:
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.__exit__(None, None, None)

    def __call__(
        self, processor: SessionProcessor, statuses: list[LinkStatus], session_s: float
    ) -> None:
        self._live.update(
            Group(session_table(processor, statuses, session_s), Text(self.footer, style="dim"))
        )
