"""The sideline page's HTML, CSS and JavaScript: cards that redraw from server-sent events,
and staff controls (drills, RPE, close) that appear after the staff code is given.
Large touch targets and text, readable outdoors; states are words and symbols, not only
colours."""

from __future__ import annotations

import html

import segno

STYLE = """
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, sans-serif; background: #f4f6f8; color: #111;
  font-size: 17px; }
header { background: #17324d; color: #fff; padding: .5rem .8rem; display: flex;
  flex-wrap: wrap; gap: .3rem 1rem; align-items: center; }
header h1 { font-size: 1.1rem; margin: 0; margin-right: auto; }
header .clock { font-variant-numeric: tabular-nums; font-weight: 700; }
button, input { font-size: 1rem; min-height: 2.6rem; border-radius: 6px; }
button { border: 1px solid #17324d; background: #fff; color: #17324d; padding: 0 .8rem; }
button.primary { background: #17324d; color: #fff; }
main { padding: .6rem; }
#status { min-height: 1.4rem; margin: .2rem 0 .5rem; }
#status.bad { color: #a00000; font-weight: 700; }
.banner { background: #fff4ce; border: 1px solid #e0c060; padding: .4rem .8rem;
  border-radius: 6px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(15.5rem, 1fr));
  gap: .6rem; }
.card { background: #fff; border-radius: 8px; padding: .6rem .7rem; border: 1px solid #d5dbe1; }
.card h2 { font-size: 1.15rem; margin: 0 0 .3rem; display: flex; justify-content: space-between; }
.links span { margin-left: .3rem; font-size: .95rem; }
.down { color: #a00000; font-weight: 700; } .up { color: #1b5e20; }
dl { display: grid; grid-template-columns: repeat(3, 1fr); gap: .2rem .5rem; margin: .3rem 0; }
dt { font-size: .75rem; color: #555; } dd { margin: 0; font-weight: 700;
  font-variant-numeric: tabular-nums; }
.actions { font-size: .95rem; margin: .3rem 0; }
.last { font-size: .95rem; padding: .2rem .4rem; border-radius: 4px; background: #eef2f6; }
.last.fresh { background: #ffe08a; }
.warn { color: #a00000; font-weight: 700; }
body:not(.staff) .staff-only, body.staff .viewer-only { display: none; }
.rpe { display: flex; gap: .4rem; margin-top: .4rem; } .rpe input { width: 5.5rem; }
.panel { background: #fff; border: 1px solid #d5dbe1; border-radius: 8px; padding: .6rem;
  margin-bottom: .6rem; display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
.panel input[type=text], .panel input[type=password] { flex: 1 1 10rem; padding: 0 .5rem; }
#closed { display: none; } body.closed #closed { display: block; }
.share { margin-bottom: .6rem; } .share summary { min-height: 2.6rem; padding: .6rem 0;
  cursor: pointer; color: #17324d; font-weight: 700; }
.share figure { margin: 0; background: #fff; border: 1px solid #d5dbe1; border-radius: 8px;
  padding: .6rem; display: inline-block; }
.share svg { display: block; width: 12rem; height: 12rem; }
.share figcaption { font-size: .9rem; margin-top: .3rem; overflow-wrap: anywhere; }
"""

SCRIPT = """
const $ = (sel) => document.querySelector(sel);
const SHORT = {sprint: 'sprint', sudden_stop: 'stop', change_of_direction: 'cut',
  shot: 'shot', pass: 'pass', header: 'header', confrontation: 'duel', landing: 'landing'};
const SITE = {waist: 'W', calf: 'C', gps: 'GPS', hr: 'HR'};
let lastSeen = {};
function clock(s) { s = Math.floor(s); const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
  return h + ':' + String(m).padStart(2, '0') + ':' + String(s % 60).padStart(2, '0'); }
function num(v, unit) { return v === null || v === undefined ? '–' : v + (unit || ''); }
function say(text, bad) { const s = $('#status'); s.textContent = text;
  s.className = bad ? 'bad' : ''; }
function esc(t) { const d = document.createElement('div'); d.textContent = t; return d.innerHTML; }
function card(a, rpe) {
  const links = a.links.map(l => '<span class="' + (l.up ? 'up' : 'down') + '">' +
    (SITE[l.site] || l.site) + (l.up ? ' ✓' : ' ✗ lost') + '</span>').join('');
  const acts = Object.entries(a.actions).map(([k, n]) => esc(SHORT[k] || k) + ' ' + n).join(' · ');
  const last = a.last ? 'last: ' + esc(SHORT[a.last.label] || a.last.label) + ' at ' +
    clock(a.last.t_s) : 'no action yet';
  const key = a.last ? a.last.label + a.last.t_s : '';
  const fresh = key && lastSeen[a.athlete_id] !== undefined && lastSeen[a.athlete_id] !== key;
  lastSeen[a.athlete_id] = key;
  const loss = a.loss_pct > 5 ? '<dd class="warn">' + a.loss_pct + ' % ⚠</dd>' :
    '<dd>' + a.loss_pct + ' %</dd>';
  const saved = rpe[a.athlete_id];
  return '<article class="card" data-athlete="' + esc(a.athlete_id) + '"><h2><span>' +
    esc(a.athlete_id) + '</span><span class="links">' + links + '</span></h2><dl>' +
    '<div><dt>battery</dt><dd>' + num(a.battery_pct, ' %') + '</dd></div>' +
    '<div><dt>loss</dt>' + loss + '</div>' +
    '<div><dt>PlayerLoad</dt><dd>' + a.player_load + '</dd></div>' +
    '<div><dt>distance</dt><dd>' + num(a.distance_m, ' m') + '</dd></div>' +
    '<div><dt>HSR</dt><dd>' + num(a.hsr_m, ' m') + '</dd></div>' +
    '<div><dt>sprints</dt><dd>' + num(a.sprints) + '</dd></div></dl>' +
    '<div class="actions">' + (acts || 'no actions yet') + '</div>' +
    '<div class="last' + (fresh ? ' fresh' : '') + '" aria-live="polite">' + last + '</div>' +
    '<form class="rpe staff-only" data-athlete="' + esc(a.athlete_id) + '">' +
    '<label>RPE <input name="rpe" type="number" min="0" max="10" step="0.5" inputmode="decimal" ' +
    'value="' + (saved === undefined ? '' : saved) + '"></label>' +
    '<button type="submit">Save RPE</button></form></article>';
}
function draw(state) {
  $('#clock').textContent = clock(state.session_s);
  $('#drill').textContent = state.drill ? 'drill: ' + state.drill : 'no drill running';
  document.body.classList.toggle('closed', state.closed);
  const focused = document.activeElement && document.activeElement.closest('.card');
  if (focused) { return; }  // never redraw under a finger typing an RPE
  $('#cards').innerHTML = state.athletes.map(a => card(a, state.rpe)).join('');
}
async function post(path, body) {
  const r = await fetch(path, {method: 'POST', headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(body || {}), credentials: 'same-origin'});
  const answer = await r.json().catch(() => ({message: 'no answer'}));
  say(answer.message, !r.ok); return r.ok;
}
$('#staff-login').addEventListener('submit', async (e) => { e.preventDefault();
  if (await post('/staff', {code: e.target.code.value})) { document.body.classList.add('staff'); }
  e.target.code.value = ''; });
$('#drill-form').addEventListener('submit', (e) => { e.preventDefault();
  post('/drill/start', {name: e.target.name.value}); });
$('#drill-end').addEventListener('click', () => post('/drill/end'));
$('#close').addEventListener('click', () => {
  if (confirm('Close the session? Recording stops and summaries are built.')) post('/close'); });
$('#cards').addEventListener('submit', (e) => { if (!e.target.matches('form.rpe')) return;
  e.preventDefault(); const value = e.target.rpe.value;
  post('/rpe', {athlete_id: e.target.dataset.athlete, rpe: value === '' ? null : Number(value)})
    .then(() => e.target.rpe.blur()); });
const source = new EventSource('/events');
source.onmessage = (e) => { const state = JSON.parse(e.data); draw(state);
  if (state.closed) { source.close(); } };
source.onerror = () => say('connection lost, retrying…', true);
source.onopen = () => say('live');
"""


def share_qr(url: str) -> str:
    """A QR code of `url` (the page's address with its PIN) as inline SVG, so a tablet's
    camera opens the page from another screen without typing the address or the PIN."""
    code = segno.make(url, error="m")
    return code.svg_inline(
        scale=4, border=2, omitsize=True, title=f"QR code of {url}", svgclass="qr"
    )


def sideline_page(
    session_id: str, staff: bool, synthetic_note: str = "", share_url: str = ""
) -> str:
    """The live page; `staff` shows the staff controls from the start; `share_url`, when
    given, is offered as a QR code for opening the page on another tablet."""
    banner = f'<p class="banner">{html.escape(synthetic_note)}</p>' if synthetic_note else ""
    share = (
        '<details class="share"><summary>Open on another tablet (QR code)</summary>'
        f"<figure>{share_qr(share_url)}<figcaption>Scan with the tablet's camera, or open "
        f"<code>{html.escape(share_url)}</code></figcaption></figure></details>"
        if share_url
        else ""
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Touchline sideline · {html.escape(session_id)}</title><style>{STYLE}</style>"
        f'</head><body class="{"staff" if staff else ""}"><header><h1>Touchline · session '
        f'{html.escape(session_id)}</h1><span id="drill">no drill running</span>'
        '<span class="clock" id="clock" aria-label="session time">0:00:00</span></header><main>'
        f'{banner}<p id="closed" class="banner" role="status">Session closed.</p>'
        '<div id="status" role="status" aria-live="polite"></div>'
        f"{share}"
        '<form id="staff-login" class="panel viewer-only"><label for="code">Staff code</label>'
        '<input id="code" name="code" type="password" autocomplete="off" inputmode="numeric">'
        '<button type="submit">Staff log in</button></form>'
        '<form id="drill-form" class="panel staff-only"><label for="drill-name">Drill</label>'
        '<input id="drill-name" name="name" type="text" maxlength="64" required '
        'placeholder="e.g. rondo 4v2"><button class="primary" type="submit">Start drill</button>'
        '<button type="button" id="drill-end">End drill</button>'
        '<button type="button" id="close">Close session</button></form>'
        f'<section id="cards" class="cards" aria-label="athletes"></section></main>'
        f"<script>{SCRIPT}</script></body></html>"
    )


def pin_page(message: str = "") -> str:
    """Asks for the session PIN printed by `edge record` / `edge serve`."""
    error = f'<p id="status" class="bad" role="alert">{html.escape(message)}</p>' if message else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Touchline sideline</title><style>{STYLE}</style></head><body><header>"
        "<h1>Touchline sideline</h1></header><main>"
        f'{error}<form class="panel" method="get" action="/"><label for="pin">Session PIN'
        '</label><input id="pin" name="pin" type="password" inputmode="numeric" '
        'autocomplete="off" required><button class="primary" type="submit">Open</button></form>'
        "<p>The PIN is printed where the session was started.</p></main></body></html>"
    )
