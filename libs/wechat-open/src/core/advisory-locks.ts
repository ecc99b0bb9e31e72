/** PostgreSQL advisory lock namespaces of the library (two-int form: namespace, hash of a key). */
export enum LibraryLock {
  ComponentTokenRefresh = 7_302_001,
  AuthorizerTokenRefresh = 7_302_002,
  JsApiTicketRefresh = 7_302_003,
  TicketRepush = 7_302_004,
}
