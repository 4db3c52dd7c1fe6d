"""Static assets of the chat page: its CSS and the script that makes citation markers jump
(and gives chat bubbles a plain-text ``aria-label``)."""

from __future__ import annotations

#: Page styles; colours lean on Gradio's theme variables so dark mode works too.
CSS = """
.gradio-container { max-width: 1400px !important; margin: 0 auto; }
#dq-header { display: flex; align-items: baseline; gap: 14px; flex-wrap: wrap; padding: 4px 2px 0; }
#dq-header h1 { font-size: 1.6rem; margin: 0; letter-spacing: -0.01em;
  font-family: system-ui, -apple-system, "Segoe UI", sans-serif;
  font-weight: 700; }
#dq-header .dq-tagline { color: var(--body-text-color-subdued); font-size: 0.95rem; }
#dq-header .dq-pill { font-size: 0.78rem; padding: 2px 9px; border-radius: 999px;
  border: 1px solid var(--border-color-primary); color: var(--body-text-color-subdued); }
.dq-answer { line-height: 1.6; }
.dq-short { font-size: 1.1em; margin-bottom: 0.25em; }
a.dq-marker { display: inline-block; font-weight: 700; font-size: 0.8em; text-decoration: none !important;
  padding: 0 5px; margin: 0 1px; border-radius: 6px; background: rgba(99, 102, 241, 0.16);
  color: var(--color-accent) !important; cursor: pointer; vertical-align: 1px; }
a.dq-marker:hover { background: rgba(99, 102, 241, 0.32); }
.dq-abstain { border-left: 4px solid #9ca3af; padding: 6px 12px; background: rgba(156, 163, 175, 0.14);
  border-radius: 6px; font-style: italic; }
.dq-abstain strong { font-style: normal; }
.dq-abstain-detail { font-size: 0.88em; color: var(--body-text-color-subdued); margin-top: 4px; }
.dq-error { border-left: 4px solid #dc2626; padding: 6px 12px; background: rgba(220, 38, 38, 0.10);
  border-radius: 6px; }
.dq-unsupported { margin-top: 8px; border-left: 4px solid #d97706; padding: 4px 10px;
  background: rgba(217, 119, 6, 0.12); border-radius: 6px; font-size: 0.92em; }
.dq-unsupported ul { margin: 4px 0 0 18px; }
.dq-gaps { margin-top: 6px; font-size: 0.86em; color: var(--body-text-color-subdued); font-style: normal; }
.dq-gaps ul { margin: 2px 0 0 18px; padding: 0; }
.dq-upload-label { font-size: 0.88rem; color: var(--body-text-color-subdued); margin: 2px 0 -4px; }
.dq-note { margin-top: 6px; font-size: 0.85em; color: var(--body-text-color-subdued); }
#dq-sources, #dq-report { max-height: 640px; overflow-y: auto !important; padding-right: 4px; }
.dq-turn h4 { margin: 4px 0 10px; font-size: 0.95rem; }
.dq-turn > summary { cursor: pointer; padding: 6px 0; color: var(--body-text-color-subdued); }
details.dq-turn { border-top: 1px solid var(--border-color-primary); margin-top: 8px; }
.dq-q { color: var(--color-accent); font-weight: 700; margin-right: 4px; }
.dq-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px;
  margin: 0 0 10px; background: var(--background-fill-primary);
  transition: box-shadow .3s, border-color .3s; }
.dq-card.dq-cited { border-left: 4px solid var(--color-accent); }
.dq-card-head { display: flex; align-items: center; gap: 8px; font-size: 0.85rem; margin-bottom: 6px;
  flex-wrap: wrap; }
.dq-badge { display: inline-flex; align-items: center; justify-content: center; min-width: 22px; height: 22px;
  border-radius: 6px; background: var(--color-accent); color: white; font-weight: 700; font-size: 0.8rem; }
.dq-rank { color: var(--body-text-color-subdued); font-weight: 600; }
.dq-source-name { font-weight: 600; font-family: var(--font-mono); font-size: 0.82rem;
  word-break: break-all; }
.dq-card-title { font-weight: 600; font-size: 0.88rem; margin: -2px 0 6px; }
.dq-para, .dq-score { color: var(--body-text-color-subdued); }
.dq-score { margin-left: auto; font-size: 0.78rem; }
a.dq-view { margin-left: auto; font-size: 0.8rem; text-decoration: none; color: var(--color-accent); }
.dq-passage { font-size: 0.92rem; line-height: 1.55; white-space: pre-wrap; }
.dq-uncited .dq-passage { color: var(--body-text-color-subdued); }
mark.dq-quote { background: rgba(250, 204, 21, 0.30); color: inherit; padding: 1px 0; border-radius: 2px; }
mark.dq-key { background: rgba(250, 204, 21, 0.85); color: #111827; font-weight: 600; border-radius: 2px; }
details.dq-others > summary { cursor: pointer; font-size: 0.88rem; color: var(--body-text-color-subdued);
  padding: 4px 0 8px; }
.dq-flash { box-shadow: 0 0 0 3px var(--color-accent) !important; }
mark.dq-flash { background: rgba(99, 102, 241, 0.35); box-shadow: 0 2px 0 var(--color-accent); }
.dq-report-head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; margin-bottom: 8px; }
.dq-report-text { white-space: pre-wrap; line-height: 1.6; font-size: 0.93rem; padding: 10px 12px;
  border: 1px solid var(--border-color-primary); border-radius: 10px;
  background: var(--background-fill-primary); }
.dq-report + .dq-report { margin-top: 16px; }
.dq-gap { color: var(--body-text-color-subdued); font-style: italic; margin: 8px 0; }
.dq-panel-empty { color: var(--body-text-color-subdued); padding: 18px 6px; font-size: 0.93rem; }
.dq-empty { color: var(--body-text-color-subdued); font-style: italic; }
.dq-ingest { font-size: 0.88rem; }
.dq-ingest ul { margin: 4px 0 0 16px; }
.dq-ingest .dq-skip { color: #dc2626; }
.dq-ingest .dq-same { color: var(--body-text-color-subdued); }
.dq-ingest-counts { font-weight: 600; }
.dq-reports { font-size: 0.85rem; }
.dq-reports ol { margin: 4px 0 0 20px; max-height: 180px; overflow-y: auto; word-break: break-all; }
.dq-count { font-weight: 600; margin-bottom: 4px; }
#dq-top { align-items: center; }
#dq-header-box { flex-grow: 4; }
#dq-llm-badge { white-space: nowrap; float: right; font-size: 0.78rem; padding: 2px 9px; border-radius: 999px;
  border: 1px solid var(--border-color-primary); color: var(--body-text-color-subdued); }
#dq-llm-badge.dq-down { border-color: #d97706; color: #92400e; background: rgba(217, 119, 6, 0.12); }
.dq-uncertain { border-left: 4px solid #d97706; padding: 6px 12px; background: rgba(217, 119, 6, 0.08);
  border-radius: 6px; }
.dq-uncertain-head { font-size: 0.85em; font-weight: 600; color: #92400e; margin-bottom: 4px; }
.dq-streaming { line-height: 1.6; color: var(--body-text-color-subdued); }
.dq-cursor { animation: dq-blink 1s steps(2) infinite; margin-left: 2px; }
@keyframes dq-blink { 50% { opacity: 0; } }
.dq-flag { margin-top: 6px; font-size: 0.85em; border-left: 4px solid #7c3aed; padding: 2px 8px;
  background: rgba(124, 58, 237, 0.10); border-radius: 4px; }
.dq-scope-note { font-size: 0.85rem; color: var(--body-text-color-subdued); margin: -4px 2px 0; }
.dq-scope-note.dq-scoped { color: var(--color-accent); font-weight: 600; }
.dq-report-table-wrap, .dq-reports { max-height: 360px; overflow-y: auto; }
table.dq-report-table { width: 100%; border-collapse: collapse; font-size: 0.82rem; border: none; }
table.dq-report-table th, table.dq-report-table td { border: none !important; }
table.dq-report-table th { text-align: left; position: sticky; top: 0;
  background: var(--background-fill-secondary); padding: 4px 6px; }
table.dq-report-table td { padding: 4px 6px; border-top: 1px solid var(--border-color-primary) !important;
  vertical-align: top; }
table.dq-report-table .dq-num { text-align: right; white-space: nowrap; }
.dq-report-title { font-weight: 600; }
tr.dq-chosen-row { background: rgba(99, 102, 241, 0.10); }
#dq-confirm { border: 1px solid #dc2626; border-radius: 8px; padding: 8px; }
.dq-confirm-text { font-size: 0.9rem; padding: 4px 6px; }
button.dq-pick { all: unset; cursor: pointer; display: block; max-width: 100%; border-radius: 4px; }
button.dq-pick:hover .dq-report-title { text-decoration: underline; }
.dq-report-title { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical;
  overflow: hidden; overflow-wrap: anywhere; }
table.dq-report-table tbody tr { cursor: pointer; }
table.dq-report-table tbody tr:hover { background: rgba(99, 102, 241, 0.06); }
.dq-row-actions { display: flex; gap: 6px; margin-top: 6px; flex-wrap: wrap; }
button.dq-act { font: inherit; font-size: 0.78rem; line-height: 1.2; padding: 3px 10px; border-radius: 6px;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
  color: var(--body-text-color); cursor: pointer; }
button.dq-act:hover { border-color: var(--color-accent); }
button.dq-act-remove { color: #b91c1c; border-color: rgba(220, 38, 38, 0.45); }
.dark button.dq-act-remove { color: #fca5a5; }
.dq-progress { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
  font-size: 0.85rem; }
.dq-progress-head { display: flex; gap: 8px; align-items: baseline; margin-bottom: 6px; }
.dq-progress-name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  min-width: 0; }
.dq-progress-stage { color: var(--body-text-color-subdued); white-space: nowrap; }
.dq-progress-share { margin-left: auto; font-variant-numeric: tabular-nums; }
.dq-progress-track { height: 6px; border-radius: 999px; background: var(--background-fill-secondary);
  overflow: hidden; }
.dq-progress-fill { height: 100%; background: var(--color-accent); transition: width .3s; }
.dq-examples { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; font-size: 0.85rem;
  color: var(--body-text-color-subdued); }
button.dq-example { font: inherit; font-size: 0.85rem; padding: 4px 11px; border-radius: 999px;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-primary);
  color: var(--body-text-color); cursor: pointer; text-align: left; }
button.dq-example:hover { border-color: var(--color-accent); color: var(--color-accent); }
#dq-ask-row { align-items: stretch; flex-wrap: nowrap; gap: 8px; }
#dq-ask-row button { align-self: stretch; white-space: nowrap; }
#dq-clear { font-weight: 400; }
#dq-upload-progress:not(:has(.dq-progress)), #dq-upload-status:not(:has(.dq-ingest, .dq-error)),
#dq-examples:not(:has(.dq-examples)) { display: none; }
table.dq-report-table { border: none !important; outline: none; }
.dq-footer { text-align: center; font-size: 0.8rem; color: var(--body-text-color-subdued);
  padding: 12px 0 4px; }
#dq-sources, #dq-report { overscroll-behavior: contain; }
#dq-chat .md.chatbot { opacity: 1 !important; }  /* Gradio fades messages to 0.8: too faint to read */
button:focus-visible, a:focus-visible, summary:focus-visible, input:focus-visible,
textarea:focus-visible {
  outline: 2px solid var(--color-accent) !important; outline-offset: 2px; }
@media (max-width: 640px) {
  #dq-header .dq-tagline { display: none; }
  #dq-header h1 { font-size: 1.3rem; }
  #dq-chat { height: 46vh !important; max-height: 46vh; }
  #dq-ask-row { flex-wrap: wrap; }
  #dq-ask-row > .form, #dq-ask-row > #dq-question { flex: 1 1 100% !important;
    min-width: 100% !important; }
  #dq-ask, #dq-clear { flex: 1 1 0 !important; min-width: 0 !important; }
}
"""

#: Put in the page's <head>: clicking a marker ([n]) or "view in report" brings its target into view.
HEAD = r"""
<script>
(() => {
  function openTab(name) {
    const button = document.getElementById("dq-tab-" + name + "-button");
    if (button && button.getAttribute("aria-selected") !== "true") { button.click(); return true; }
    return false;
  }
  function reveal(id, attempt) {
    const target = document.getElementById(id);
    if (!target) { if (attempt < 20) setTimeout(() => reveal(id, attempt + 1), 50); return; }
    for (let el = target.parentElement; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") el.open = true;
    }
    const marks = Array.from(document.querySelectorAll('mark[data-cite="' + id + '"]'));
    const shown = target.classList.contains("dq-anchor") && marks.length ? marks : [target];
    scrollWithin(shown[0]);
    shown.forEach((el) => el.classList.add("dq-flash"));
    setTimeout(() => shown.forEach((el) => el.classList.remove("dq-flash")), 1600);
  }
  // Scroll only the pane (Sources or Report) that holds the element, centring it there: the page
  // itself stays where it is, so the chat column never scrolls out of sight.
  function scrollWithin(el) {
    const pane = el.closest("#dq-sources, #dq-report");
    if (!pane) { el.scrollIntoView({ behavior: "smooth", block: "nearest" }); return; }
    const box = pane.getBoundingClientRect(), at = el.getBoundingClientRect();
    const top = pane.scrollTop + (at.top - box.top) - (pane.clientHeight - at.height) / 2;
    pane.scrollTo({ top: Math.max(0, top), behavior: "smooth" });
  }
  // Chat bubbles: Gradio puts the message's HTML in aria-label; screen readers get its text.
  function plainLabels(root) {
    root.querySelectorAll('#dq-chat [aria-label*="<"]').forEach((el) => {
      const label = el.getAttribute("aria-label");
      if (!/<[a-z][^>]*>/i.test(label)) return;
      const who = (label.match(/^[\w ]+'s message: /) || [""])[0];
      const text = (el.textContent || "").replace(/\s+/g, " ").trim().replace(/</g, "‹");
      const plain = (who + text).slice(0, 600);
      if (plain !== label) el.setAttribute("aria-label", plain);
    });
  }
  // The Sources and Report panes scroll on their own: keyboard users reach them with Tab and
  // scroll them with the arrow keys (WCAG: a scrollable region must be focusable).
  function focusablePanes() {
    document.querySelectorAll("#dq-sources, #dq-report").forEach((pane) => {
      if (pane.hasAttribute("tabindex")) return;
      pane.tabIndex = 0;
      pane.setAttribute("role", "region");
      pane.setAttribute("aria-label", pane.id === "dq-report" ? "Report text" : "Sources");
    });
  }
  new MutationObserver(() => { plainLabels(document); focusablePanes(); }).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["aria-label"],
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#cite-"], a[href^="#doc-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    const id = link.getAttribute("href").slice(1);
    openTab(id.startsWith("doc-") ? "report" : "sources");
    setTimeout(() => reveal(id, 0), 60);
  }, true);
})();
</script>
"""
