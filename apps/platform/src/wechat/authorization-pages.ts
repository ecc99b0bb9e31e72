/** The small HTML pages a browser sees on this service during authorization. */

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The entry page. WeChat accepts the authorization page only when the browser comes from a page
 * on the platform's authorization domain (it checks the Referer), so this page, served from that
 * domain, navigates on: a redirect from here would carry the dashboard's Referer instead.
 */
export function entryPage(authorizationUrl: string): string {
  const href = escapeHtml(authorizationUrl);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="strict-origin-when-cross-origin">
<title>Authorize with WeChat</title></head>
<body>
<p>Taking you to WeChat to authorize this platform…</p>
<p><a id="go" href="${href}">Continue to WeChat</a></p>
<script>document.getElementById('go').click();</script>
</body></html>`;
}

export function errorPage(status: number, code: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorization failed</title></head>
<body><h1>Authorization cannot continue</h1>
<p>${escapeHtml(message)}</p><p>Error code: <code>${escapeHtml(code)}</code> (HTTP ${status})</p>
<p>Start again from your dashboard.</p></body></html>`;
}
