/** The inbox stylesheet: mobile first (390 px), a wider column from 720 px, dark mode. */
export const APP_CSS = String.raw`
:root {
  color-scheme: light dark;
  --bg: #f4f6f9; --card: #ffffff; --ink: #17202b; --muted: #5b6776; --line: #d9dee5;
  --brand: #1d3557; --brand-ink: #ffffff; --focus: #2a6fdb;
  --ok: #17803d; --ok-bg: #e3f4e8; --bad: #b42318; --bad-bg: #fde8e6;
  --warn: #8a5a00; --warn-bg: #fff3d6; --crit: #7a0e0e; --crit-bg: #fbd5d5;
  --radius: 12px; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f141a; --card: #18202a; --ink: #e8edf3; --muted: #9aa7b6; --line: #2c3846;
    --brand: #264b78; --ok: #5bd186; --ok-bg: #143322; --bad: #ff8a80; --bad-bg: #3d1a17;
    --warn: #ffc65c; --warn-bg: #3a2c0c; --crit: #ffb4b4; --crit-bg: #4a1414;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--ink);
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  padding-bottom: env(safe-area-inset-bottom);
}
a { color: var(--focus); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
[hidden] { display: none !important; }
.bar {
  position: sticky; top: 0; z-index: 1; display: flex; align-items: center; gap: 12px;
  padding: 10px 16px; padding-top: max(10px, env(safe-area-inset-top));
  background: var(--brand); color: var(--brand-ink);
}
.brand { color: inherit; font-weight: 700; text-decoration: none; letter-spacing: .02em; white-space: nowrap; }
.brand-more { font-weight: 400; opacity: .8; }
.nav { display: flex; align-items: center; gap: 14px; margin-left: auto; font-size: 15px; white-space: nowrap; }
.nav a { color: inherit; text-decoration: none; opacity: .85; }
.nav a[aria-current="page"] { opacity: 1; text-decoration: underline; text-underline-offset: 4px; }
.nav .who { display: none; opacity: .75; max-width: 9em; overflow: hidden; text-overflow: ellipsis; }
.linklike {
  background: none; border: 0; color: inherit; font: inherit; padding: 0; cursor: pointer;
  opacity: .85; text-decoration: underline; text-underline-offset: 3px;
}
main { max-width: 760px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.35rem; line-height: 1.25; margin: 6px 0 8px; overflow-wrap: anywhere; }
h2 { font-size: 1.05rem; margin: 22px 0 8px; }
.muted { color: var(--muted); }
.notice { padding: 12px 14px; border-radius: var(--radius); margin: 0 0 14px; overflow-wrap: anywhere; }
.notice.error { background: var(--bad-bg); color: var(--bad); }
.notice.ok { background: var(--ok-bg); color: var(--ok); }
.notice.info { background: var(--card); border: 1px solid var(--line); }
.cards { list-style: none; margin: 0; padding: 0; display: grid; gap: 10px; }
.card {
  display: block; background: var(--card); border: 1px solid var(--line); border-radius: var(--radius);
  padding: 12px 14px; color: inherit; text-decoration: none;
}
.card:hover { border-color: var(--focus); }
.card-top { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; font-size: 13px; }
.card-title { margin: 6px 0 2px; font-weight: 600; overflow-wrap: anywhere; }
.card-meta { margin: 0; color: var(--muted); font-size: 14px; overflow-wrap: anywhere; }
.card-fp { font-family: var(--mono); font-size: 13px; color: var(--muted); }
.spacer { flex: 1; }
.chip, .risk, .status {
  display: inline-block; border-radius: 999px; padding: 1px 9px; font-size: 12.5px;
  font-weight: 600; border: 1px solid var(--line); background: var(--bg);
}
.risk-low { background: var(--ok-bg); color: var(--ok); border-color: transparent; }
.risk-medium { background: var(--warn-bg); color: var(--warn); border-color: transparent; }
.risk-high { background: var(--bad-bg); color: var(--bad); border-color: transparent; }
.risk-critical { background: var(--crit-bg); color: var(--crit); border-color: var(--crit); }
.status-approved, .status-executed { background: var(--ok-bg); color: var(--ok); border-color: transparent; }
.status-denied { background: var(--bad-bg); color: var(--bad); border-color: transparent; }
.status-expired { color: var(--muted); }
.countdown { font-variant-numeric: tabular-nums; color: var(--muted); }
.countdown.urgent { color: var(--bad); font-weight: 600; }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: var(--radius); padding: 14px; }
.fingerprint-box { text-align: center; margin: 14px 0; }
.label { margin: 0; font-size: 13px; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; }
.fingerprint {
  margin: 4px 0; font: 700 2rem/1.2 var(--mono); letter-spacing: .08em; overflow-wrap: anywhere;
}
.hint { margin: 0; font-size: 14px; color: var(--muted); }
.description { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0 0 8px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 14px; margin: 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.facts .big { font-size: 1.2rem; font-weight: 700; }
.hash { font-family: var(--mono); font-size: 12.5px; word-break: break-all; }
.params { width: 100%; border-collapse: collapse; font-size: 14px; table-layout: fixed; }
.params th, .params td { text-align: left; vertical-align: top; padding: 6px 4px; border-top: 1px solid var(--line); }
.params th { width: 38%; font-weight: 500; font-family: var(--mono); font-size: 13px; color: var(--muted); overflow-wrap: anywhere; }
.params td { font-family: var(--mono); font-size: 13px; white-space: pre-wrap; overflow-wrap: anywhere; }
.suspicious { background: var(--warn-bg); color: var(--warn); }
pre.json {
  margin: 8px 0 0; padding: 10px; overflow-x: auto; background: var(--bg); border-radius: 8px;
  font: 12.5px/1.5 var(--mono); white-space: pre-wrap; overflow-wrap: anywhere;
}
details summary { cursor: pointer; color: var(--focus); margin-top: 8px; }
.decide { display: grid; gap: 14px; margin-top: 18px; }
.decide fieldset { border: 1px solid var(--line); border-radius: var(--radius); margin: 0; padding: 12px 14px 14px; background: var(--card); }
.decide legend { font-weight: 700; padding: 0 4px; }
.row { display: flex; gap: 8px; margin-top: 8px; }
.row > input { flex: 1; min-width: 0; }
label { display: block; margin-top: 10px; font-size: 14px; color: var(--muted); }
input, textarea {
  font: inherit; color: var(--ink); background: var(--bg); border: 1px solid var(--line);
  border-radius: 10px; padding: 10px 12px; width: 100%;
}
input.code { font-family: var(--mono); letter-spacing: .2em; font-size: 1.1rem; }
textarea { resize: vertical; min-height: 3.2em; }
.btn {
  display: inline-flex; align-items: center; justify-content: center; min-height: 48px;
  padding: 10px 16px; border-radius: 10px; border: 1px solid transparent; font-family: inherit;
  font-size: 16px; font-weight: 600; line-height: 1.2; cursor: pointer; background: var(--brand); color: var(--brand-ink);
}
.btn.block { width: 100%; }
.btn.approve { background: var(--ok); color: #fff; }
.btn.deny { background: var(--bad); color: #fff; }
.btn.secondary { background: transparent; color: var(--ink); border-color: var(--line); }
.btn:disabled { opacity: .55; cursor: progress; }
.events { list-style: none; padding: 0; margin: 0; font-size: 14px; }
.events li { padding: 6px 0; border-top: 1px solid var(--line); overflow-wrap: anywhere; }
.events time { color: var(--muted); margin-right: 8px; }
.qr { display: block; width: 220px; max-width: 100%; height: auto; margin: 12px auto; background: #fff; padding: 8px; border-radius: 8px; }
.secret { font-family: var(--mono); word-break: break-all; user-select: all; }
.stack { display: grid; gap: 12px; }
.banner { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; margin-bottom: 14px; }
.banner p { margin: 0; flex: 1 1 200px; }
@media (max-width: 420px) {
  .brand-more { display: none; }
}
@media (min-width: 720px) {
  .nav .who { display: inline; }
  main { padding: 24px; }
  h1 { font-size: 1.6rem; }
  .decide { grid-template-columns: 1fr 1fr; }
  .cards { gap: 12px; }
}
`
