"""The report's stylesheet, inline: readable on screen, and on paper (A4, no cut tables)."""

CSS = """
:root { --ink: #1f2933; --soft: #52606d; --line: #d9e2ec; --blue: #2f6fb3;
  --green: #2e7d32; --red: #c0392b; --amber: #b9770e; --grey: #9aa5b1; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px 32px;
  line-height: 1.4; font-size: 15px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 0 0 10px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.meta, .note { color: var(--soft); font-size: 13px; }
.meta code, td code { font-size: 12px; word-break: break-all; }
section { margin: 28px 0; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 18px 0; }
.card { flex: 1 1 150px; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card .value { font-size: 26px; font-weight: 600; }
.card .label { color: var(--soft); font-size: 13px; }
.card.good .value { color: var(--green); }
.card.bad .value { color: var(--red); }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { background: #f5f7fa; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.barcell { width: 28%; }
table.facts { width: auto; min-width: 55%; }
.example { white-space: nowrap; }
.bar { display: block; height: 12px; background: var(--blue); border-radius: 2px; min-width: 1px; }
.bar.s-good { background: var(--green); } .bar.s-bad { background: var(--red); }
.bar.s-warn { background: var(--amber); } .bar.s-neutral { background: var(--grey); }
.chart { margin: 8px 0 14px; }
.chart svg { width: 100%; height: auto; display: block; }
.columns { display: flex; align-items: flex-end; gap: 1px; height: 160px;
  border-bottom: 1px solid var(--soft); margin: 8px 0; }
.columns span { flex: 1 1 0; background: var(--blue); min-height: 1px; }
.columns span.paused { background: var(--red); }
ul.examples { margin: 0; padding-left: 16px; }
.lost { color: var(--soft); font-size: 13px; }
.notice { border-left: 4px solid var(--amber); background: #fdf6e3; padding: 8px 12px; }
footer { margin-top: 36px; color: var(--soft); font-size: 12px; border-top: 1px solid var(--line);
  padding-top: 8px; }
@page { size: A4; margin: 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  /* A chart, a table row or the cards are never cut; sections flow on (a section per
     page would leave half of each sheet blank). */
  tr, .chart, .cards, ul.examples { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  .card { border-color: #aaa; }
}
"""
