"""The report's stylesheet, inline: readable on screen, and on paper (A4, no cut tables).

On paper a table longer than a page goes on over the next one with its header row
repeated there (``thead`` as a table header group) and never cuts a row in two; a short
table (class ``short``: the funnel, outcomes, facts, pauses, verify and runs tables,
whose rows are few by construction) and a chart stay in one piece. Colours come from
``palette`` (tested for contrast).
"""

from batch.report.palette import AMBER, BLUE, GREEN, GREY, HEAD, INK, LINE, RED, SOFT

CSS = f"""
:root {{ --ink: {INK}; --soft: {SOFT}; --line: {LINE}; --blue: {BLUE};
  --green: {GREEN}; --red: {RED}; --amber: {AMBER}; --grey: {GREY}; }}
* {{ box-sizing: border-box; }}
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
  sans-serif; color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px 32px;
  line-height: 1.4; font-size: 15px; }}
h1 {{ font-size: 26px; margin: 0 0 4px; }}
h2 {{ font-size: 19px; margin: 0 0 10px; border-bottom: 2px solid var(--line);
  padding-bottom: 4px; }}
h3 {{ font-size: 15px; margin: 16px 0 6px; }}
.meta, .note, figcaption {{ color: var(--soft); font-size: 13px; }}
.meta code, td code {{ font-size: 12px; word-break: break-all; }}
section {{ margin: 28px 0; }}
.cards {{ display: flex; flex-wrap: wrap; gap: 12px; margin: 18px 0; }}
.card {{ flex: 1 1 150px; border: 1px solid var(--line); border-radius: 8px;
  padding: 10px 14px; }}
.card .value {{ font-size: 26px; font-weight: 600; }}
.card .label {{ color: var(--soft); font-size: 13px; }}
.card.good .value {{ color: var(--green); }}
.card.bad .value {{ color: var(--red); }}
table {{ border-collapse: collapse; width: 100%; font-size: 14px; }}
th, td {{ text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; }}
th, thead td {{ background: {HEAD}; font-weight: 600; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }}
td.barcell {{ width: 28%; }}
/* A short table's row names on one line: a step or fact name cut in two ("raggiungibili
   / su IO", "(SHA- / 256)") reads worse than a narrower bar. */
table.short th[scope="row"] {{ white-space: nowrap; }}
/* A column's header on one line: the longer Italian ones ("prime righe (codici fiscali
   mascherati)") went over two on A4. */
th[scope="col"] {{ white-space: nowrap; }}
table.facts {{ width: auto; min-width: 55%; }}
.example, .nowrap {{ white-space: nowrap; }}
.bar {{ display: block; height: 12px; background: var(--blue); border-radius: 2px;
  min-width: 1px; }}
.bar.s-good {{ background: var(--green); }} .bar.s-bad {{ background: var(--red); }}
.bar.s-warn {{ background: var(--amber); }} .bar.s-neutral {{ background: var(--grey); }}
figure.chart {{ margin: 8px 0 14px; }}
.chart svg {{ width: 100%; max-width: 900px; height: auto; display: block;
  font-family: inherit; }}
.legend {{ display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 13px; margin: 4px 0; }}
.swatch {{ display: inline-block; width: 12px; height: 12px; margin-right: 6px;
  vertical-align: -1px; }}
ul.examples {{ margin: 0; padding-left: 16px; }}
.lost {{ color: var(--soft); font-size: 13px; }}
footer {{ margin-top: 36px; color: var(--soft); font-size: 12px;
  border-top: 1px solid var(--line); padding-top: 8px; }}
@page {{ size: A4; margin: 14mm; }}
@media print {{
  body {{ max-width: none; padding: 0; font-size: 10pt; }}
  table {{ font-size: 9pt; }}
  * {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
  /* A row, a chart, the cards, a short table are never cut; a long table goes on over
     the next page under its repeated header; sections flow on (a section per page
     would leave half of each sheet blank). */
  thead {{ display: table-header-group; }}
  tfoot {{ display: table-footer-group; }}
  tr, figure.chart, .cards, ul.examples, table.short {{ break-inside: avoid; }}
  h2, h3, header + p.meta, h2 + p.meta, figcaption {{ break-after: avoid; }}
  .card {{ border-color: #aaa; }}
}}
"""
