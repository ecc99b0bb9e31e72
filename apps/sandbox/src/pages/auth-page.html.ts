import type { SandboxAccount } from '../state/account.store.js';

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;max-width:720px;margin:2em auto}fieldset{margin:1em 0}
.account{border:1px solid #ccc;padding:1em;margin:1em 0}.error{color:#b00}</style></head>
<body>${body}</body></html>`;
}

export function renderErrorPage(message: string, errcode?: number): string {
  const code = errcode === undefined ? '' : ` <span class="errcode">(errcode ${errcode})</span>`;
  return page(
    'WeChat sandbox: authorization error',
    `<h1>授权失败 Authorization failed</h1><p class="error" id="error">${escapeHtml(message)}${code}</p>`,
  );
}

export interface AuthPageModel {
  componentAppid: string;
  preAuthCode: string;
  redirectUri: string;
  authType: number;
  bizAppid?: string;
  categoryIdList?: string;
  confirmPath: string;
  accounts: { account: SandboxAccount; sets: number[]; authorizedSets?: number[] }[];
}

/** The list of accounts the link allows, each with its own confirm form (one per account). */
export function renderAccountsPage(model: AuthPageModel): string {
  const hidden = (name: string, value: string | undefined) =>
    value === undefined ? '' : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  const forms = model.accounts.map(({ account, sets, authorizedSets }) => {
    const boxes = sets
      .map(
        (id) =>
          `<label><input type="checkbox" name="func_info" value="${id}" checked> 权限集 ${id}</label>`,
      )
      .join('\n');
    const status = authorizedSets
      ? `<p>Already authorized with sets ${authorizedSets.join(', ')}</p>`
      : '';
    return `<div class="account" data-appid="${escapeHtml(account.appid)}" data-kind="${account.kind}">
<h2>${escapeHtml(account.nickName)}</h2>
<p>${escapeHtml(account.appid)} · ${escapeHtml(account.userName)} · ${account.kind} · ${escapeHtml(account.principalName)}</p>
${status}
<form method="post" action="${escapeHtml(model.confirmPath)}" data-appid="${escapeHtml(account.appid)}">
${hidden('component_appid', model.componentAppid)}
${hidden('pre_auth_code', model.preAuthCode)}
${hidden('redirect_uri', model.redirectUri)}
${hidden('auth_type', String(model.authType))}
${hidden('biz_appid', model.bizAppid)}
${hidden('category_id_list', model.categoryIdList)}
${hidden('authorizer_appid', account.appid)}
<fieldset><legend>Permission sets</legend>
${boxes}
</fieldset>
<button type="submit">授权 Authorize ${escapeHtml(account.nickName)}</button>
</form></div>`;
  });
  const empty =
    model.accounts.length === 0
      ? '<p id="no-accounts">No account can authorize with these parameters.</p>'
      : '';
  return page(
    'WeChat sandbox: authorize a third-party platform',
    `<h1>授权第三方平台 ${escapeHtml(model.componentAppid)}</h1>
<p>Choose the account that authorizes this platform (sandbox: no QR code to scan).</p>
${empty}${forms.join('\n')}`,
  );
}
