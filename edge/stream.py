"""From raw sensor packets to action events: the one pipeline `record` and `replay` share.

`SessionProcessor.feed(packet)` decodes a packet by its sensor's protocol (frame v1, a
standard BLE heart-rate strap, NMEA GPS), tracks its sequence number and device time
(`edge.clock`), and holds IMU samples until `advance()` puts them on the session timeline
in one go with the freshest clock fit, into the sensor's ring buffer (bounded: `buffer_s`
seconds, whatever the session length). `advance()` then cuts every window that is
complete on that timeline (6 s, hop 0.5 s from the bundle), resamples waist, calf and GPS
speed onto one grid (a sensor faster than the model's rate through an anti-aliasing
filter, `edge.dsp.resample_to_grid`), applies the paper's drop rules, scores all ready
windows of all athletes in one batch, and turns scores into events with impact s_k
(`edge.events`).
Loads (PlayerLoad, distance, speed zones, heart rate) are accumulated on the way."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from edge import dsp, load, taxonomy
from edge.clock import ClockSync
from edge.config import EventSettings, RecordSettings
from edge.events import ActionEvent, EventDetector, impact_score
from edge.infer import ActionModel
from edge.packets import Packet, SensorRole
from edge.ring_buffer import RingBuffer
from edge.state import AthleteState, SensorState
from edge.windows import drop_reason
from firmware_bridge.errors import FrameError
from firmware_bridge.profiles import get_profile
from firmware_bridge.samples import GpsSample, HrSample, ImuSamples, Sample, StatusSample

IMU_PERIOD_S = 1.0 / taxonomy.IMU_RATE_HZ
# A grid point counts as measured when a real sample lies this close (1.5 sample periods).
VALID_TOLERANCE_S = 1.5 * IMU_PERIOD_S
IMPACT_HALF_WIDTH_S = 0.3
GPS_SPEED = "speed_mps"
GPS_PERIOD_S = 1.0 / taxonomy.GPS_RATE_HZ


@dataclass(frozen=True)
class Window:
    """One athlete's window, ready to score: values (C, T) and which channels are present
    (C,), in the manifest's channel order."""

    values: np.ndarray
    present: np.ndarray


@dataclass(frozen=True)
class DroppedWindow:
    """A window the paper's rules (or a silent athlete) keep from the model, and why."""

    reason: str


def _measures_imu(role: SensorRole) -> bool:
    return "accel" in get_profile(role.protocol).measures and role.site not in ("gps", "hr")


class SessionProcessor:
    """Decode → clock → buffers → windows → model → events, for every athlete at once."""

    def __init__(
        self,
        roles: list[SensorRole],
        model: ActionModel,
        record: RecordSettings | None = None,
        events: EventSettings | None = None,
    ) -> None:
        self.model = model
        self.record = record or RecordSettings()
        self.event_settings = events or EventSettings()
        manifest = model.manifest
        self.rate_hz = manifest.sample_rate_hz
        self.window_s = manifest.window_s
        self.hop_s = manifest.hop_s
        self._window_n = manifest.window_samples
        self._grid = np.arange(self._window_n) / self.rate_hz
        self._channel_rows = self._map_channels(manifest.channel_names)
        self._wants_gps = any(row is not None and row[0] == "gps" for row in self._channel_rows)
        # Sites whose samples the model reads; others (an H10 on the chest) only count for
        # the drop rules and the loads, and are never resampled.
        self._sites_read = {row[0] for row in self._channel_rows if row is not None}
        thresholds = {**manifest.events.thresholds, **self.event_settings.thresholds}
        self.sensors: dict[str, SensorState] = {r.address: SensorState(r) for r in roles}
        self.athletes: dict[str, AthleteState] = {}
        # `buffer_s` seconds at the rate each site's sensor streams (Polar H10 200 Hz…);
        # every rate is resampled to the model's grid when a window is cut.
        rates = {site: taxonomy.IMU_RATE_HZ for site in taxonomy.IMU_SITES}
        for role in filter(_measures_imu, roles):
            rate = get_profile(role.protocol).rate_hz or taxonomy.IMU_RATE_HZ
            rates[role.site] = max(rates.get(role.site, 0.0), rate)
        # (athlete, site) whose sensor has no gyroscope: its gyro rows are fed as absent.
        self._accel_only = {
            (r.athlete_id, r.site)
            for r in roles
            if _measures_imu(r) and "gyro" not in get_profile(r.protocol).measures
        }
        for role in roles:
            if role.athlete_id not in self.athletes:
                self.athletes[role.athlete_id] = AthleteState(
                    role.athlete_id,
                    EventDetector(
                        manifest.labels,
                        thresholds,
                        self.event_settings.nms_s or manifest.events.nms_s,
                        self.event_settings.default_threshold,
                    ),
                    {
                        site: RingBuffer(int(self.record.buffer_s * rate), 6)
                        for site, rate in sorted(rates.items())
                    },
                    RingBuffer(int(self.record.buffer_s * taxonomy.GPS_RATE_HZ), 1),
                )
        self._rejects: Counter[str] = Counter()

    @staticmethod
    def _map_channels(names: list[str]) -> list[tuple[str, int] | None]:
        """Each model channel → (source, column): an IMU site and axis, GPS speed, or None
        for a channel the sideline cannot measure (fed as absent)."""
        rows: list[tuple[str, int] | None] = []
        for name in names:
            site, _, axis = name.partition("_")
            if site in taxonomy.IMU_SITES and axis in taxonomy.IMU_AXES:
                rows.append((site, taxonomy.IMU_AXES.index(axis)))
            elif name == GPS_SPEED:
                rows.append(("gps", 0))
            else:
                rows.append(None)
        return rows

    @property
    def rejects(self) -> Counter[str]:
        """Packets counted and dropped, by reason, over every sensor."""
        total = Counter(self._rejects)
        for sensor in self.sensors.values():
            total.update(sensor.decoder.rejects)
        return total

    # -- packets --------------------------------------------------------------------------

    def feed(self, packet: Packet) -> None:
        """Decode one packet into its sensor's buffer; bad frames are counted, never raised."""
        sensor = self.sensors.get(packet.address)
        if sensor is None:
            self._rejects["unknown_sensor"] += 1
            return
        try:
            samples = sensor.decoder.decode(packet)
        except FrameError as error:
            self._rejects[error.reason] += 1
            return
        for sample in samples:
            self._take(sensor, packet.arrival_s, sample)

    def _take(self, sensor: SensorState, arrival_s: float, sample: Sample) -> None:
        if sensor.clock is None:
            sensor.clock = ClockSync(sample.sensor_id)
            sensor.sensor_id = sample.sensor_id
        # Fit on the newest sample of the frame: a sensor sends a frame once it is full,
        # so that sample's device time is the one the arrival time follows.
        if isinstance(sample, ImuSamples):
            last_us, period_us = int(sample.t_device_us[-1]), int(IMU_PERIOD_S * 1e6)
            if sensor.pending_imu and sensor.clock.would_reset(sample.seq, last_us):
                self._flush_imu(sensor)  # map what came before with the fit it belongs to
        else:
            last_us, period_us = sample.t_device_us, 0
        status = sensor.clock.observe(sample.seq, last_us, arrival_s, period_us)
        if status == "duplicate":
            self._rejects["duplicate"] += 1
            return
        sensor.frames += 1
        sensor.last_arrival_s = arrival_s
        athlete = self.athletes[sensor.role.athlete_id]
        if isinstance(sample, ImuSamples):
            sensor.pending_imu.append(sample)
        elif isinstance(sample, GpsSample):
            if sample.fix:
                # Unknown speed (NaN) keeps its place in the session series, so loads
                # never bridge it, and stays out of the windows' buffer (a GPS gap).
                athlete.speeds.append(sample.speed_mps)
                if np.isnan(sample.speed_mps):
                    self._rejects["gps_speed_unknown"] += 1
                    return
                t = sensor.clock.to_session(sample.t_device_us)
                athlete.gps.append(np.atleast_1d(t), np.array([[sample.speed_mps]]))
        elif isinstance(sample, HrSample):
            if sample.bpm > 0:
                athlete.heart_rates.append(float(sample.bpm))
        elif isinstance(sample, StatusSample):
            sensor.battery_pct = float(sample.battery_pct)

    def _flush_imu(self, sensor: SensorState) -> None:
        """Put a sensor's waiting IMU frames on the timeline: one clock mapping and one
        buffer write for all of them, with the freshest fit."""
        frames, sensor.pending_imu = sensor.pending_imu, []
        if not frames or sensor.clock is None:
            return
        athlete = self.athletes[sensor.role.athlete_id]
        t = sensor.clock.to_session(np.concatenate([f.t_device_us for f in frames]))
        accel = np.concatenate([f.accel_g for f in frames])
        x = np.concatenate([accel, np.concatenate([f.gyro_dps for f in frames])], axis=1)
        if np.any(np.diff(t) <= 0):  # frames reordered on the radio: put them back in order
            order = np.argsort(t, kind="stable")
            t, x, accel = t[order], x[order], accel[order]
            rising = np.diff(t, prepend=-np.inf) > 0
            t, x, accel = t[rising], x[rising], accel[rising]
        site = sensor.role.site
        athlete.imu[site].append(t, x)
        athlete.note_time(float(t[0]), float(t[-1]))
        if site == "waist":
            athlete.pending_waist_accel.append(accel)
        if athlete.next_start_s is None:
            athlete.next_start_s = float(t[0])

    # -- windows ------------------------------------------------------------------------

    def advance(self, final: bool = False) -> list[tuple[str, ActionEvent]]:
        """Score every window that is complete; return the events that became final."""
        starts: list[tuple[AthleteState, float]] = []
        windows: list[np.ndarray] = []
        present: list[np.ndarray] = []
        for sensor in self.sensors.values():
            self._flush_imu(sensor)
        for athlete in self.athletes.values():
            athlete.accumulate_load()
            for start in self._ready_starts(athlete, final):
                built = self._build_window(athlete, start)
                athlete.windows_total += 1
                if isinstance(built, DroppedWindow):
                    athlete.windows_dropped += 1
                    athlete.drop_reasons[built.reason] += 1
                    continue
                starts.append((athlete, start))
                windows.append(built.values)
                present.append(built.present)
        out: list[tuple[str, ActionEvent]] = []
        if windows:
            probs = self.model.predict(np.stack(windows), np.stack(present))
            for (athlete, start), p in zip(starts, probs, strict=True):
                for event in athlete.detector.update(start + self.window_s / 2, p):
                    out.append((athlete.athlete_id, self._with_impact(athlete, event)))
        if final:
            for athlete in self.athletes.values():
                for event in athlete.detector.flush():
                    out.append((athlete.athlete_id, self._with_impact(athlete, event)))
        for athlete_id, event in out:
            self.athletes[athlete_id].events.append(event)
        return out

    def _ready_starts(self, athlete: AthleteState, final: bool) -> list[float]:
        if athlete.next_start_s is None:
            return []
        latest = [b.latest_t for b in athlete.imu.values() if b.latest_t is not None]
        if not latest:
            return []
        slowest, fastest = min(latest), max(latest)
        starts = []
        while True:
            end = athlete.next_start_s + self.window_s
            complete = slowest >= end or fastest >= end + self.record.max_lag_s
            if not (complete or (final and fastest >= end)):
                break
            starts.append(athlete.next_start_s)
            athlete.next_start_s += self.hop_s
        return starts

    def _build_window(self, athlete: AthleteState, start: float) -> Window | DroppedWindow:
        """The window starting at `start` on the model's grid, or why it was dropped."""
        grid = start + self._grid
        values: dict[str, np.ndarray] = {}
        valid_rows = []
        measured = False
        margin = VALID_TOLERANCE_S + dsp.ANTI_ALIAS_PAD_SAMPLES / self.rate_hz
        for site, buffer in athlete.imu.items():
            t, x = buffer.between(grid[0] - margin, grid[-1] + margin)
            if len(t) < 2:
                valid_rows.append(np.zeros(len(grid), dtype=bool))
                continue
            right = np.searchsorted(t, grid).clip(0, len(t) - 1)
            left = (right - 1).clip(0, None)
            nearest = np.minimum(np.abs(t[right] - grid), np.abs(t[left] - grid))
            valid_rows.append(nearest <= VALID_TOLERANCE_S)
            measured = True
            if site in self._sites_read:
                # A stream faster than the model's rate (a 200 Hz H10) is low-passed first.
                values[site] = dsp.resample_to_grid(t, x, grid, axis=0)
        if not measured:
            return DroppedWindow("no_imu")
        gps_valid = None
        if self._wants_gps:
            gps_grid = start + np.arange(0, self.window_s, GPS_PERIOD_S)
            t, x = athlete.gps.between(gps_grid[0] - GPS_PERIOD_S, gps_grid[-1] + GPS_PERIOD_S)
            gps_valid = np.zeros(len(gps_grid), dtype=bool)
            if len(t) >= 2:
                nearest = np.abs(t[np.clip(np.searchsorted(t, gps_grid), 0, len(t) - 1)] - gps_grid)
                gps_valid = nearest <= 1.5 * GPS_PERIOD_S
                values["gps"] = dsp.resample_linear(t, x, grid, axis=0)
        reason = drop_reason(
            imu_valid=np.stack(valid_rows), gps_valid=gps_valid, imu_rate_hz=self.rate_hz
        )
        if reason:
            return DroppedWindow(reason)
        window = np.zeros((len(self._channel_rows), len(grid)), dtype=np.float32)
        present = np.zeros(len(self._channel_rows), dtype=bool)
        for row, source in enumerate(self._channel_rows):
            if source is None or source[0] not in values:
                continue
            if (athlete.athlete_id, source[0]) in self._accel_only and source[1] >= 3:
                continue  # an accelerometer-only sensor: a channel mask, as a missing modality
            window[row] = values[source[0]][:, source[1]]
            present[row] = True
        return Window(window, present)

    def _with_impact(self, athlete: AthleteState, event: ActionEvent) -> ActionEvent:
        peaks = []
        for buffer in athlete.imu.values():
            _, x = buffer.between(event.t_s - IMPACT_HALF_WIDTH_S, event.t_s + IMPACT_HALF_WIDTH_S)
            if len(x):
                peaks.append(impact_score(x[:, :3], self.event_settings.impact_full_scale_g))
        return ActionEvent(event.label, event.t_s, event.score, max(peaks, default=0.0))

    # -- totals -------------------------------------------------------------------------

    def speed_zones(self, athlete_id: str) -> load.SpeedZones | None:
        """Running distances, or None when no fix carried a known speed."""
        speeds = np.asarray(self.athletes[athlete_id].speeds, dtype=np.float64)
        if not np.isfinite(speeds).any():
            return None
        return load.speed_zones(speeds, taxonomy.GPS_RATE_HZ)

    def accel_decel(self, athlete_id: str) -> tuple[int, int]:
        speeds = np.asarray(self.athletes[athlete_id].speeds, dtype=np.float64)
        if speeds.size < 16:
            return 0, 0
        smooth = dsp.lowpass_finite_runs(speeds, taxonomy.GPS_RATE_HZ, dsp.GPS_CUTOFF_HZ)
        return load.accel_decel_counts(smooth, taxonomy.GPS_RATE_HZ)

    def sensors_of(self, athlete_id: str) -> list[SensorState]:
        return [s for s in self.sensors.values() if s.role.athlete_id == athlete_id]
