export * from './errors/wechat-open.error';
export * from './errors/crypto.errors';
export * from './crypto';
export * from './xml/wechat-xml';
