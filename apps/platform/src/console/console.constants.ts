/** The console's URL path (Vite's `base`). */
export const CONSOLE_PATH = '/console/';

/** Headers on every response under /console: the page loads only its own files. */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Vite names the files under assets/ by their content's hash: they never change. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html and unhashed files: revalidated on every load, so a new build shows at once. */
export const REVALIDATE = 'no-cache';

export const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Console not built</title></head>
<body style="font-family: sans-serif; margin: 3rem">
<h1>The console is not built</h1>
<p>The console is not built: run <code>npm run build</code>, then reload this page.</p>
<p>The API is up meanwhile: <a href="/docs">/docs</a>.</p>
</body>
</html>
`;
