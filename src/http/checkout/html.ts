/** Plain server-rendered pages: no external assets (the machines are offline), small inline CSS. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { margin: 0; display: flex; justify-content: center; background: #f5f5f5; }
  main { max-width: 28rem; width: 100%; margin: 1rem; padding: 1.5rem; background: #fff; border-radius: 12px; box-shadow: 0 1px 4px #0002; }
  @media (prefers-color-scheme: dark) { body { background: #181a20; } main { background: #1e2329; color: #eaecef; } }
  h1 { font-size: 2rem; margin: .25rem 0 1rem; }
  .merchant { font-weight: 600; margin: 0; }
  .hint { font-size: .85rem; opacity: .75; }
  img { display: block; margin: 1rem auto; max-width: 100%; height: auto; }
  code { word-break: break-all; }
`;

/** From `<!doctype html>` to `</head>`: the one head of every server-rendered page (checkout, dashboard). */
export function documentStart(title: string, style: string, nonce?: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style${nonce === undefined ? '' : ` nonce="${nonce}"`}>${style}</style>
</head>`;
}

export function page(title: string, body: string): string {
  return `${documentStart(title, STYLE)}
<body>
${body}
</body>
</html>`;
}
