import escapeHtml from "escape-html";

/**
 * Headers for the login page: it runs no script and loads nothing, may only
 * submit to ourselves, and may not be framed (no clickjacking a pasted token).
 * Referrer-Policy same-origin, not no-referrer: under no-referrer a browser
 * sends "Origin: null" with the form's POST, which the login refuses as
 * cross-site.
 */
export const LOGIN_PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "cache-control": "no-store",
  "referrer-policy": "same-origin",
};

/** The dashboard's login form: paste an admin token, get a session cookie. */
export function renderLoginPage(options: { readonly error?: string; readonly action: string }): string {
  const error = options.error === undefined ? "" : `<p class="error" role="alert">${escapeHtml(options.error)}</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Herald · operator login</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; color: #1d2330; }
  textarea { width: 100%; box-sizing: border-box; font: 13px/1.4 ui-monospace, monospace; }
  button { margin-top: .75rem; padding: .4rem 1.2rem; font-size: 1rem; }
  .error { color: #a4161a; font-weight: 600; }
  .hint { color: #5c6370; font-size: .9rem; }
</style>
</head>
<body>
<h1>Herald queues</h1>
${error}
<form method="post" action="${escapeHtml(options.action)}">
  <label for="token">Admin token</label>
  <textarea id="token" name="token" rows="6" required autocomplete="off" spellcheck="false"></textarea>
  <button type="submit">Log in</button>
</form>
<p class="hint">Paste a JWT with <code>role: admin</code> (for a dev stack: <code>HERALD_DEV_AUTH=1 npm run token -- --sub you --role admin</code>). The session ends when you log out, when the token expires, or after a while unused.</p>
</body>
</html>
`;
}
