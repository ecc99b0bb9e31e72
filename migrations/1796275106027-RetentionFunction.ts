import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The one way old rows leave the append-only logs: prune_retention_batch(table, before, limit),
 * SECURITY DEFINER and owned by the migrating role, so the retention job needs no DELETE right of
 * its own and ordinary roles cannot call it (EXECUTE revoked from PUBLIC). The function's own SET
 * clause turns wop.retention_pruning on for its duration only (forbid_change() reads it; see the
 * library's RefreshLogAppendOnly), so nothing else in the caller's transaction gets the exemption.
 *
 * It lives in the app's migrations because the app is where every table it names exists (the
 * library's event log, refresh log and job queue, the app's secret access log). One batch per
 * call, chosen by id (the primary key: old rows have the smallest ids, so the scan stops early
 * without an index on the time column). The transaction-level advisory lock (PlatformLock.Retention
 * and the table) makes a second instance's batch on the same table return -1 at once instead of
 * deleting the same rows twice. The cutoff must be a day old at least: a bug passing now() cannot
 * empty a log.
 */
export class RetentionFunction1796275106027 implements MigrationInterface {
  name = 'RetentionFunction1796275106027';

  async up(q: QueryRunner): Promise<void> {
    const [{ schema }] = (await q.query('SELECT current_schema() AS schema')) as {
      schema: string;
    }[];
    await q.query(`
      CREATE FUNCTION prune_retention_batch(p_table text, p_before timestamptz, p_limit integer)
        RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
        SET search_path = ${quoteIdent(schema)}, pg_temp
        SET wop.retention_pruning = 'on'
      AS $$
      DECLARE
        deleted integer;
      BEGIN
        IF p_limit IS NULL OR p_limit < 1 OR p_limit > 10000 THEN
          RAISE EXCEPTION 'prune_retention_batch: limit must be 1 to 10000';
        END IF;
        IF p_before IS NULL OR p_before > now() - interval '1 day' THEN
          RAISE EXCEPTION 'prune_retention_batch: the cutoff must be at least a day old';
        END IF;
        IF NOT pg_try_advisory_xact_lock(7301002, hashtext(p_table)) THEN
          RETURN -1;
        END IF;
        CASE p_table
          WHEN 'wechat_event_log' THEN
            DELETE FROM wechat_event_log WHERE id IN (
              SELECT id FROM wechat_event_log WHERE received_at < p_before ORDER BY id LIMIT p_limit);
          WHEN 'authorizer_refresh_log' THEN
            DELETE FROM authorizer_refresh_log WHERE id IN (
              SELECT id FROM authorizer_refresh_log WHERE at < p_before ORDER BY id LIMIT p_limit);
          WHEN 'secret_access_log' THEN
            DELETE FROM secret_access_log WHERE id IN (
              SELECT id FROM secret_access_log WHERE at < p_before ORDER BY id LIMIT p_limit);
          WHEN 'wechat_job' THEN
            -- Done jobs only: failed ones wait for an operator (replay), pending ones are work.
            DELETE FROM wechat_job WHERE id IN (
              SELECT id FROM wechat_job WHERE status = 'done' AND finished_at < p_before
               ORDER BY id LIMIT p_limit);
          ELSE
            RAISE EXCEPTION 'prune_retention_batch: no retention policy for table %', p_table;
        END CASE;
        GET DIAGNOSTICS deleted = ROW_COUNT;
        RETURN deleted;
      END $$`);
    await q.query(
      'REVOKE EXECUTE ON FUNCTION prune_retention_batch(text, timestamptz, integer) FROM PUBLIC',
    );
    await q.query(`COMMENT ON FUNCTION prune_retention_batch(text, timestamptz, integer) IS
      'retention: deletes one batch (at most p_limit rows) older than p_before from wechat_event_log, authorizer_refresh_log, secret_access_log or wechat_job (done jobs); the only path past forbid_change() for the logs; returns the rows deleted, -1 when another session is pruning that table; not executable by PUBLIC'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION prune_retention_batch(text, timestamptz, integer)');
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
