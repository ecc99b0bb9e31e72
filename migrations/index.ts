import { InitialSchema1795000000000 } from './1795000000000-InitialSchema.js';

/** Every migration, oldest first. A new file in this folder must be added here (a test checks). */
export const MIGRATIONS = [InitialSchema1795000000000];
