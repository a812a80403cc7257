"""The page shell the staff pages share: a phone-first layout, the synthetic-data banner,
bands shown as words and symbols as well as colours, and times in the club's zone."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse

STYLE = """
* { box-sizing: border-box; }
body { font-family: system-ui, sans-serif; margin: 0; color: #1b1b1b; background: #fafafa;
  font-size: 16px; line-height: 1.4; }
header { background: #17324d; color: #fff; padding: .6rem 1rem; display: flex;
  flex-wrap: wrap; gap: .4rem 1rem; align-items: center; }
header a, header button { color: #fff; font-size: 1rem; }
header .brand { font-weight: 700; margin-right: auto; }
header form { margin: 0; } header button { background: none; border: 1px solid #fff;
  border-radius: 4px; padding: .2rem .6rem; cursor: pointer; }
main { padding: 1rem; max-width: 1100px; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: .2rem 0 .6rem; } h2 { font-size: 1.15rem; margin-top: 1.6rem; }
.banner { background: #fff4ce; border: 1px solid #e0c060; padding: .5rem 1rem;
  border-radius: 4px; }
.note { color: #555; font-size: .92rem; }
.error { background: #fde7e7; border: 1px solid #c62828; padding: .5rem 1rem; border-radius: 4px; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
.scroll.more::before { content: "Swipe the table sideways for more columns →"; display: block;
  position: sticky; left: 0; color: #555; font-size: .85rem; padding: 0 0 .3rem; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { padding: .45rem .5rem; border-bottom: 1px solid #e5e5e5; text-align: left;
  vertical-align: top; }
th { background: #f0f3f6; white-space: nowrap; }
th button { all: unset; cursor: pointer; font-weight: 700; }
th[aria-sort="ascending"] button::after { content: " ▲"; }
th[aria-sort="descending"] button::after { content: " ▼"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.band { display: inline-block; padding: .1rem .5rem; border-radius: 1rem; font-weight: 700;
  white-space: nowrap; border: 2px solid; }
.band-high { color: #8e0000; border-color: #c62828; background: #fde7e7; }
.band-medium { color: #6b4e00; border-color: #f9a825; background: #fff6d6; }
.band-low { color: #1b5e20; border-color: #2e7d32; background: #e8f5e9; }
.band-unrated { color: #444; border-color: #999; background: #f2f2f2; }
.weeks { display: flex; gap: .6rem; flex-wrap: wrap; margin: .4rem 0 .8rem; }
.weeks a { padding: .3rem .6rem; border: 1px solid #17324d; border-radius: 4px; }
.grid { display: flex; flex-wrap: wrap; gap: 1rem; } figure { margin: 0; }
img { max-width: 100%; height: auto; }
svg.trend { vertical-align: middle; }
form.login { background: #fff; padding: 1rem; border-radius: 6px; max-width: 26rem;
  border: 1px solid #ddd; }
form.login input { width: 100%; font-size: 1rem; padding: .6rem; margin: .4rem 0 .8rem; }
form.login button { font-size: 1rem; padding: .6rem 1.2rem; }
footer { color: #666; font-size: .85rem; padding: 1rem; text-align: center; }
@media (max-width: 600px) { th, td { padding: .35rem .3rem; font-size: .9rem; }
  .band { padding: .1rem .35rem; } }
/* Secondary columns (source, received, model) give way below a landscape tablet. */
@media (max-width: 900px) { .wide { display: none; } }
"""

# Clicking a column header sorts by it; numbers sort as numbers (data-sort holds the value).
# A table wider than the screen says so above it: on a phone nothing else shows that
# columns are hidden off the edge.
PAGE_SCRIPT = """
function markWide() {
  document.querySelectorAll('.scroll').forEach(function (box) {
    box.classList.toggle('more', box.scrollWidth > box.clientWidth + 1);
  });
}
markWide(); window.addEventListener('resize', markWide);
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, col) {
    var button = th.querySelector('button'); if (!button) return;
    button.addEventListener('click', function () {
      var up = th.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('th').forEach(function (o) { o.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', up ? 'ascending' : 'descending');
      var body = table.tBodies[0], rows = Array.from(body.rows);
      function key(row) { var c = row.cells[col]; var v = c.dataset.sort;
        return v !== undefined ? parseFloat(v) : c.textContent.trim().toLowerCase(); }
      rows.sort(function (a, b) { var x = key(a), y = key(b);
        return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1); });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""

BAND_SYMBOL = {"high": "▲▲", "medium": "▲", "low": "●", "unrated": "–"}
SYNTHETIC_BANNER = (
    "Trained and evaluated on SYNTHETIC data: these figures describe the "
    "simulator, not real players."
)


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def band_badge(band: str) -> str:
    """The band as a word and a symbol, coloured too, so colour is never the only signal."""
    known = band if band in BAND_SYMBOL else "unrated"
    return f'<span class="band band-{known}">{BAND_SYMBOL[known]} {esc(band)}</span>'


def club_time(moment: datetime, zone: str) -> str:
    """`2026-03-14 19:30 GMT` in the club's zone; naive values are taken as UTC (SQLite)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def page(
    title: str,
    body: str,
    *,
    zone: str,
    synthetic: bool = False,
    logged_in: bool = True,
    status_code: int = 200,
) -> HTMLResponse:
    """The whole page: header with navigation (when logged in), banner, body, footer."""
    nav = (
        (
            '<nav aria-label="pages"><a href="/squad">Squad</a> · <a href="/sessions">Sessions'
            '</a></nav><form method="post" action="/logout"><button type="submit">Log out'
            "</button></form>"
        )
        if logged_in
        else ""
    )
    banner = f'<p class="banner" role="note">{SYNTHETIC_BANNER}</p>' if synthetic else ""
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · Touchline</title><style>{STYLE}</style></head><body>"
        f'<header><span class="brand">Touchline</span>{nav}</header><main>'
        f"<h1>{esc(title)}</h1>{banner}{body}</main>"
        f"<footer>Times in {esc(zone)}.</footer><script>{PAGE_SCRIPT}</script></body></html>"
    )
    return HTMLResponse(document, status_code=status_code)
