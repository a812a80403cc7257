"""`touchline pose`: skeleton tracks from a club's own training video (needs the video extra)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from edge import taxonomy
from host.cli import app
from host.pose.config import PoseConfig, PoseError

if TYPE_CHECKING:
    import numpy as np

    from host.pose.extract import TrackRecords

HELP = "\n\n".join(
    (
        "Find the athlete in training VIDEO(s) and write their skeleton clips to a dataset.",
        "Each VIDEO is a video file or a folder of frames (then give --fps). Every person is "
        "tracked; the athlete wearing the sensors is --person N (numbered left to right as they "
        "first appear; the table printed at the end lists them) or whoever is inside --roi "
        "x,y,w,h. Without either, the person seen in the most frames is taken.",
        "Clips of 8 s at 60 Hz go to OUT/clips/ with per-joint confidence, in the dataset "
        "format, so `touchline data check OUT` and training take them as they are. Per-frame "
        "tracks are checkpointed in OUT/pose/: an interrupted run continues where it stopped.",
        "With --imu CSV (columns t_s and waist_az in g: the waist sensor around the sync jump) "
        "the video clock is aligned to the sensors, and the offset is printed and applied.",
        "Example:  touchline pose drill.mp4 --out club --athlete 7 --person 1 --scene full_match",
    )
)


def _parse_roi(text: str | None) -> tuple[int, int, int, int] | None:
    if text is None:
        return None
    try:
        x, y, w, h = (int(part) for part in text.split(","))
    except ValueError:
        raise PoseError(f"--roi {text!r}: expected four whole numbers x,y,w,h (pixels)") from None
    if w <= 0 or h <= 0 or x < 0 or y < 0:
        raise PoseError(f"--roi {text!r}: x and y must be >= 0, width and height > 0")
    return (x, y, x + w, y + h)


def _parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise PoseError(f"--date {text!r}: {exc}") from None


def _read_imu_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np
    import pandas as pd

    try:
        table = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise PoseError(f"{path}: not a readable CSV ({exc})") from None
    missing = [col for col in ("t_s", "waist_az") if col not in table.columns]
    if missing:
        raise PoseError(
            f"{path}: missing column(s) {', '.join(missing)} (need t_s and waist_az in g)"
        )
    values = table[["t_s", "waist_az"]].apply(pd.to_numeric, errors="coerce")
    bad = values.isna().any(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise PoseError(f"{path}: row {row}: t_s and waist_az must be numbers")
    return values["t_s"].to_numpy(float), values["waist_az"].to_numpy(float)


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[fps]} frames/s"),
        TimeRemainingColumn(),
        console=console,
        transient=True,  # replaced by a one-line summary, so an error stays one line
    )


@app.command("pose", help=HELP)
def pose(
    videos: Annotated[list[Path], typer.Argument(help="Video files or folders of frames.")],
    out: Annotated[
        Path,
        typer.Option("--out", help="Dataset directory to add the clips to (created if absent)."),
    ],
    athlete: Annotated[
        str, typer.Option("--athlete", help="athlete_id of the person wearing the sensors.")
    ],
    session: Annotated[
        str | None, typer.Option(help="session_id (default: the video's file name).")
    ] = None,
    person: Annotated[
        int | None, typer.Option(help="Track number of the athlete (see the table).")
    ] = None,
    roi: Annotated[str | None, typer.Option(help="Only look inside x,y,w,h (pixels).")] = None,
    fps: Annotated[
        float | None, typer.Option(help="Frame rate; needed for a folder of frames.")
    ] = None,
    label: Annotated[str, typer.Option(help="Action label of the clips.")] = taxonomy.BACKGROUND,
    scene: Annotated[
        str, typer.Option(help=f"One of: {', '.join(taxonomy.SCENES)}.")
    ] = taxonomy.SCENES[0],
    week: Annotated[int, typer.Option(help="Week number of the session.")] = 0,
    session_date: Annotated[
        str | None, typer.Option("--date", help="Session date YYYY-MM-DD (default today).")
    ] = None,
    imu: Annotated[
        Path | None, typer.Option(help="Waist IMU CSV (t_s, waist_az) for clock alignment.")
    ] = None,
    offset_s: Annotated[
        float, typer.Option(help="Known offset: sensor time = video time + this.")
    ] = 0.0,
    max_people: Annotated[
        int, typer.Option(help="Most people tracked at once.")
    ] = PoseConfig.max_people,
) -> None:
    # The tracking stack (pandas, scipy) is imported by _run, when the command runs:
    # `touchline --help` stays fast.
    _run(
        Console(),
        videos,
        out,
        athlete,
        session,
        person,
        _parse_roi(roi),
        fps,
        label,
        scene,
        week,
        _parse_date(session_date),
        imu,
        offset_s,
        PoseConfig(max_people=max_people),
    )


def _run(
    console: Console,
    videos: list[Path],
    out: Path,
    athlete: str,
    session: str | None,
    person: int | None,
    roi: tuple[int, int, int, int] | None,
    fps: float | None,
    label: str,
    scene: str,
    week: int,
    session_date: date | None,
    imu: Path | None,
    offset_s: float,
    config: PoseConfig,
) -> None:
    from host.pose.estimator import PoseEstimator
    from host.pose.extract import extract_tracks
    from host.pose.sync import find_offset
    from host.pose.writer import ClipLabels, write_track

    if session is not None and len(videos) > 1:
        raise PoseError("--session names one session; give one VIDEO per run when using it")
    imu_signal = _read_imu_csv(imu) if imu is not None else None
    with PoseEstimator(config) as estimator:
        for video in videos:
            started, frames_run = time.perf_counter(), 0
            with _progress(console) as progress:
                task = progress.add_task(video.name, total=None, fps="-")

                def tick(done: int, total: int, task: TaskID = task) -> None:
                    nonlocal frames_run
                    frames_run += 1
                    speed = next(t.speed for t in progress.tasks if t.id == task)
                    progress.update(
                        task,
                        completed=done,
                        total=total or None,
                        fps=f"{speed:.1f}" if speed else "-",
                    )

                tracks = extract_tracks(
                    video, out, fps=fps, roi=roi, config=config, estimator=estimator, on_frame=tick
                )
            elapsed = time.perf_counter() - started
            console.print(
                f"{video.name}: {tracks.next_frame} frames tracked"
                + (
                    f", {frames_run} in this run at {frames_run / elapsed:.1f} frames/s"
                    if frames_run
                    else " (taken from the checkpoint)"
                )
            )
            records = tracks.records
            if not records.track_ids():
                raise PoseError(f"{video}: nobody was found in the video")
            _print_tracks(console, video, records)
            chosen = (
                person
                if person is not None
                else max(records.track_ids(), key=lambda t: int((records.track == t).sum()))
            )
            if chosen not in records.track_ids():
                raise PoseError(f"--person {chosen}: {video} has tracks {records.track_ids()}")
            track = records.of_track(chosen)
            video_offset = offset_s
            if imu_signal is not None:
                hip_height = -track.image_xy[:, [7, 8], 1].mean(axis=1)
                result = find_offset(imu_signal[0], imu_signal[1], track.t_s, hip_height)
                video_offset = result.offset_s
                console.print(
                    f"clock alignment: sensor time = video time {result.offset_s:+.3f} s "
                    f"(correlation peak {result.peak:.2f})"
                )
            labels = ClipLabels(
                athlete_id=athlete,
                session_id=session or video.stem,
                label=label,
                scene=scene,
                week=week,
                session_date=session_date,
            )
            path = write_track(
                out,
                track,
                tracks.fps,
                labels,
                clip_prefix=f"{labels.session_id}-{athlete}-{video.stem}-p{chosen}",
                offset_s=video_offset,
            )
            console.print(f"person {chosen} -> athlete {athlete}: clips in {path}")


def _print_tracks(console: Console, video: Path, records: TrackRecords) -> None:
    from host.pose.joints import frame_occluded

    table = Table(title=f"people in {video.name}")
    for column in ("person", "frames", "from s", "to s", "box centre x,y", "occluded frames"):
        table.add_column(column, justify="right")
    for track_id in records.track_ids():
        mine = records.of_track(track_id)
        centre = ((mine.box[:, :2] + mine.box[:, 2:]) / 2).mean(axis=0)
        table.add_row(
            str(track_id),
            str(len(mine.t_s)),
            f"{mine.t_s.min():.2f}",
            f"{mine.t_s.max():.2f}",
            f"{centre[0]:.0f},{centre[1]:.0f}",
            f"{frame_occluded(mine.confidence).mean():.0%}",
        )
    console.print(table)
