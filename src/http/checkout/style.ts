/**
 * The stylesheet of the checkout and the dashboard: one inline <style> (no external assets: the
 * machines are offline), phone first, light and dark, visible focus, 44 px touch targets.
 */
export const BASE_STYLE = `
:root { color-scheme: light dark; --bg: #f5f5f5; --card: #fff; --fg: #1e2329; --muted: #5e6673; --line: #e6e8ea;
  --accent: #f0b90b; --accent-fg: #1e2329; --ok: #03a66d; --bad: #cf304a; --warn: #c99400; --link: #0b62c4;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.45; }
@media (prefers-color-scheme: dark) { :root { --bg: #0b0e11; --card: #1e2329; --fg: #eaecef; --muted: #a7adb6; --line: #2b3139; --link: #6cb2ff; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); }
a { color: var(--link); }
h1, h2, h3 { line-height: 1.2; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; word-break: break-all; }
.hint { font-size: .875rem; color: var(--muted); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
button, .button { font: inherit; min-height: 44px; padding: .5rem 1rem; border-radius: 8px; border: 1px solid var(--line); background: var(--card); color: var(--fg); cursor: pointer; text-decoration: none; display: inline-flex; align-items: center; justify-content: center; gap: .25rem; }
button.primary, .button.primary { background: var(--accent); color: var(--accent-fg); border-color: var(--accent); font-weight: 600; }
button.danger { color: var(--bad); border-color: var(--bad); }
button.link { background: none; border: none; color: var(--link); text-decoration: underline; padding: 0 .25rem; min-height: 0; }
button:disabled { opacity: .5; cursor: not-allowed; }
:focus-visible { outline: 3px solid var(--link); outline-offset: 2px; }
input, select { font: inherit; min-height: 44px; padding: .4rem .6rem; border-radius: 8px; border: 1px solid var(--muted); background: var(--card); color: var(--fg); max-width: 100%; }
label { font-weight: 600; }
.pill { display: inline-block; padding: .1rem .6rem; border-radius: 999px; font-size: .85rem; font-weight: 700; letter-spacing: .02em; background: var(--line); }
.pill[data-status="PAID"], .pill[data-status="DELIVERED"], .pill[data-status="SUCCESS"], .pill[data-status="REFUND_SUCCESS"], .pill[data-status="ACTIVE"] { background: var(--ok); color: #fff; }
.pill[data-status="EXPIRED"], .pill[data-status="CANCELED"], .pill[data-status="ERROR"], .pill[data-status="FAILED"], .pill[data-status="FAIL"], .pill[data-status="REFUND_FAIL"], .pill[data-status="REVOKED"], .pill[data-status="SUSPENDED"] { background: var(--bad); color: #fff; }
.pill[data-status="PENDING"], .pill[data-status="REFUNDING"], .pill[data-status="REFUND_PENDING"], .pill[data-status="PROCESSING"] { background: var(--warn); color: #fff; }
.alert { border-radius: 8px; padding: .6rem .8rem; margin: .75rem 0; background: color-mix(in srgb, var(--bad) 12%, var(--card)); border: 1px solid var(--bad); }
.alert:empty { display: none; }
.notice { border-radius: 8px; padding: .6rem .8rem; margin: .75rem 0; background: color-mix(in srgb, var(--ok) 12%, var(--card)); border: 1px solid var(--ok); }
.badge { font-size: .75rem; font-weight: 700; text-transform: uppercase; letter-spacing: .05em; padding: .15rem .5rem; border-radius: 4px; background: var(--accent); color: var(--accent-fg); }
[hidden] { display: none !important; }
`;
