export * from './message-crypto.js';
export * from './signature.js';
export * from './jssdk-signature.js';
export * from './pkcs7.js';
export * from './card-signature.js';
