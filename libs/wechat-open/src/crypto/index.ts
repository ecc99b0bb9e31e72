export * from './message-crypto';
export * from './signature';
export * from './jssdk-signature';
export * from './pkcs7';
