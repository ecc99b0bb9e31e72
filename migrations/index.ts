import { InitialSchema1795000000000 } from './1795000000000-InitialSchema.js';
import { AuthorizerRegistry1795000100000 } from './1795000100000-AuthorizerRegistry.js';
import { JsApiTickets1795000200000 } from './1795000200000-JsApiTickets.js';

/** Every migration, oldest first. A new file in this folder must be added here (a test checks). */
export const MIGRATIONS = [
  InitialSchema1795000000000,
  AuthorizerRegistry1795000100000,
  JsApiTickets1795000200000,
];
