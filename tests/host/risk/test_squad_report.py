from __future__ import annotations

import re

import pytest

from host.data.dataset import load_dataset
from host.db.engine import engine_for, session_scope
from host.reports.squad import SquadReportError, write_squad_report
from host.risk.store import import_dataset
from host.settings import Settings
from tests.host.risk.squad import risky_squad, write_squad


@pytest.fixture
def club_db(tmp_path) -> Settings:
    url = f"sqlite:///{tmp_path / 'host.db'}"
    data = write_squad(tmp_path / "club", risky_squad(athletes=16, weeks=8, seed=3), weeks=8)
    with session_scope(engine_for(url)) as db:
        import_dataset(db, load_dataset(data))
    return Settings(database_url=url)


def test_report_holds_table_charts_and_an_honest_model_card(club_db, tmp_path) -> None:
    page = write_squad_report(6, tmp_path / "squad.html", club_db).read_text()
    assert "SYNTHETIC" in page
    rows = re.findall(
        r"<tr><td>(p\d\d)</td><td>(0\.\d\d|1\.00)</td><td>(low|medium|high)</td>", page
    )
    assert len(rows) == 16
    probabilities = [float(p) for _, p, _ in rows]
    assert probabilities == sorted(probabilities, reverse=True)
    # risk trend, 12 player load charts, action counts, reliability plot
    assert page.count("<img ") >= 1 + 12 + 1 + 1
    assert "Time-ordered split: trained on weeks 0-" in page
    assert "AUC" in page and "baseline" in page
    assert "Brier skill score" in page and "before calibration" in page
    assert "Reliability on the held-out weeks" in page and 'alt="reliability"' in page
    assert "Bands compare with the squad" in page


def test_report_with_little_history_rates_nobody(club_db, tmp_path) -> None:
    page = write_squad_report(1, tmp_path / "squad.html", club_db).read_text()
    assert "Nobody is rated: too little history" in page
    assert re.findall(r"<td>(low|medium|high)</td>", page) == []
    assert page.count("<td>unrated</td>") == 16


def test_report_for_a_week_without_history_says_why(club_db, tmp_path) -> None:
    with pytest.raises(SquadReportError, match="nothing to learn risk from"):
        write_squad_report(0, tmp_path / "squad.html", club_db)
    assert not (tmp_path / "squad.html").exists()


def test_action_counts_name_a_clubs_own_labels_beside_the_papers(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'host.db'}"
    frames = risky_squad(athletes=16, weeks=8, seed=3)
    frames["weekly.csv"] = frames["weekly.csv"].assign(
        n_instep_kick=6, s_instep_kick=0.4, n_juggle=0, s_juggle=0.0
    )
    data = write_squad(tmp_path / "club", frames, weeks=8)
    with session_scope(engine_for(url)) as db:
        import_dataset(db, load_dataset(data))
    page = write_squad_report(6, tmp_path / "squad.html", Settings(database_url=url)).read_text()
    # labels seen in the weeks shown, in the paper's order then the club's; none at 0
    assert 'alt="squad action counts per week: landing, instep kick"' in page


def test_the_report_reads_the_settings_it_is_given_not_the_environment(
    club_db, tmp_path, monkeypatch
) -> None:
    """The web page passes the app's settings: the environment's database and time-loss
    definition (a different club, a different outcome) must not leak in."""
    monkeypatch.setenv("TOUCHLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    monkeypatch.setenv("TOUCHLINE_TIME_LOSS_MIN_DAYS", "365")
    page = write_squad_report(6, tmp_path / "squad.html", club_db).read_text()
    assert len(re.findall(r"<tr><td>(p\d\d)</td>", page)) == 16
