/**
 * A browser-less walk through the authorization flow: the platform's entry page, WeChat's
 * (the sandbox's) page and its form, the redirect back to the platform, and the landing.
 */

const unescapeHtml = (s: string) =>
  s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&');

/** GET without following redirects. */
export async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { redirect: 'manual', headers });
  return { status: res.status, location: res.headers.get('location'), body: await res.text() };
}

/** The platform's entry page: returns the WeChat URL it moves the browser on to. */
export async function followEntry(entryUrl: string): Promise<string> {
  const page = await get(entryUrl);
  if (page.status !== 200) throw new Error(`entry page answered ${page.status}: ${page.body}`);
  const href = /id="go" href="([^"]+)"/.exec(page.body)?.[1];
  if (!href) throw new Error('entry page has no link to WeChat');
  return unescapeHtml(href);
}

export interface WechatForm {
  action: string;
  fields: Record<string, string>;
  funcInfo: string[];
}

/** WeChat's authorization page, opened from `referer`; returns the confirm form of `appid`. */
export async function openWechatPage(
  authorizationUrl: string,
  referer: string,
  appid: string,
): Promise<WechatForm> {
  const page = await get(authorizationUrl, { referer });
  if (page.status !== 200)
    throw new Error(`authorization page answered ${page.status}: ${page.body}`);
  const form = new RegExp(
    `<form method="post" action="([^"]+)" data-appid="${appid}">([\\s\\S]*?)</form>`,
  ).exec(page.body);
  if (!form) throw new Error(`no form for ${appid} on the authorization page`);
  const fields: Record<string, string> = {};
  for (const m of form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    fields[m[1]] = unescapeHtml(m[2]);
  const funcInfo = [...form[2].matchAll(/name="func_info" value="(\d+)"/g)].map((m) => m[1]);
  return { action: new URL(unescapeHtml(form[1]), authorizationUrl).toString(), fields, funcInfo };
}

/** Submits the form (the owner's consent); returns WeChat's redirect (redirect_uri?auth_code=...). */
export async function confirm(form: WechatForm, funcInfo = form.funcInfo): Promise<string> {
  const body = new URLSearchParams(form.fields);
  for (const id of funcInfo) body.append('func_info', id);
  const res = await fetch(form.action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const location = res.headers.get('location');
  if (res.status !== 302 || !location)
    throw new Error(`confirm answered ${res.status}: ${await res.text()}`);
  return location;
}

/** The whole walk for one account; returns where the platform finally sends the browser. */
export async function authorizeThroughPages(entryUrl: string, appid: string, funcInfo?: string[]) {
  const wechatUrl = await followEntry(entryUrl);
  const form = await openWechatPage(wechatUrl, entryUrl, appid);
  const redirect = await confirm(form, funcInfo);
  const landing = await get(redirect);
  return { wechatUrl, redirect, landing };
}
