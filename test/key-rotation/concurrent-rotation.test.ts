import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataKey, SecretBox } from '@app/wechat-open';
import { rotateDataKeys } from '../../apps/platform/src/key-rotation/data-key-rotation.js';
import { createTestDatabase, TestDatabase } from '../support/database.js';

const KEY_A: DataKey = { kid: 'ka', key: Buffer.alloc(32, 0xa1) };
const KEY_B: DataKey = { kid: 'kb', key: Buffer.alloc(32, 0xb2) };
const ROWS = 120;

/**
 * The compare-and-swap of each row: two rotations racing over the same rows (as a writer racing
 * the rotation would) never both write one row, and every value still opens to what it held.
 */
describe('rotate-data-key, two runs at once', () => {
  let db: TestDatabase;
  let c: Client;
  beforeAll(async () => {
    db = await createTestDatabase();
    c = new Client({ connectionString: db.url });
    await c.connect();
    const a = new SecretBox([KEY_A]);
    for (let i = 0; i < ROWS; i++)
      await c.query(
        `INSERT INTO component_verify_ticket (component_appid, ticket_ciphertext, create_time, received_at)
         VALUES ($1, $2, now(), now())`,
        [`wxc${String(i).padStart(4, '0')}`, a.seal(`ticket-${i}`)],
      );
  });
  afterAll(async () => {
    await c?.end();
    await db?.drop();
  });

  it('each row is re-sealed once; the loser skips it; every value opens under the new key', async () => {
    if (db.kind === 'embedded') return; // one connection: the runs cannot overlap
    const [one, two] = await Promise.all([
      rotateDataKeys(db.url, [KEY_B, KEY_A], { batchSize: 7 }),
      rotateDataKeys(db.url, [KEY_B, KEY_A], { batchSize: 11 }),
    ]);
    const table = (r: typeof one) => r.tables.find((t) => t.table === 'component_verify_ticket')!;
    expect(table(one).resealed + table(two).resealed).toBe(ROWS);
    expect(table(one).unreadable + table(two).unreadable).toBe(0);
    const b = new SecretBox([KEY_B]);
    const { rows } = await c.query<{ appid: string; sealed: string }>(
      `SELECT component_appid AS appid, ticket_ciphertext AS sealed FROM component_verify_ticket`,
    );
    expect(rows).toHaveLength(ROWS);
    for (const r of rows) {
      expect(r.sealed.startsWith('v1:kb:')).toBe(true);
      expect(b.open(r.sealed)).toBe(`ticket-${Number(r.appid.slice(3))}`);
    }
  });
});
