export const DEFAULT_API_BASE_URL = 'https://api.weixin.qq.com';
export const DEFAULT_MP_BASE_URL = 'https://mp.weixin.qq.com';
export const DEFAULT_OPEN_BASE_URL = 'https://open.weixin.qq.com';

/** Injection token of the resolved options. */
export const WECHAT_OPEN_OPTIONS = Symbol('WECHAT_OPEN_OPTIONS');
