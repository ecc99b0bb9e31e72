import { MigrationInterface, QueryRunner } from 'typeorm';

const ROLE = 'wop_retention';
const FN = 'prune_retention_batch(text, timestamptz, integer)';
const TABLES = ['wechat_event_log', 'authorizer_refresh_log', 'secret_access_log', 'wechat_job'];

/**
 * Only the retention function may prune the logs. forbid_change() let a DELETE through whenever
 * wop.retention_pruning was on, and any role with DELETE on a log could set it; the library's
 * RetentionRoleExemption now also requires current_user to be `wop_retention`. This creates that
 * role (NOLOGIN, nobody is granted it) and hands it prune_retention_batch(): SECURITY DEFINER, so
 * the function deletes as wop_retention, with SELECT and DELETE on the pruned tables and nothing
 * else. The role that runs the migrations keeps EXECUTE on the function (the owner change moves
 * the old owner's rights to the new one), so a service connecting as it prunes as before.
 *
 * Roles belong to the cluster, not the database: the role may exist already (another database,
 * another test database migrating at the same moment), so it is created only when missing and a
 * concurrent creation is not an error; down() leaves it (other databases may use it).
 * A migrating role that is not a superuser needs CREATEROLE the first time (or a DBA creates the
 * role beforehand and grants it to the migrating role WITH ADMIN OPTION); it is made a member of
 * the role only for the owner change and dropped from it afterwards.
 */
export class RetentionRole1796293422444 implements MigrationInterface {
  name = 'RetentionRole1796293422444';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${ROLE}') THEN
          BEGIN
            CREATE ROLE ${ROLE} NOLOGIN;
            -- Only by its creator: COMMENT ON ROLE rewrites a row shared by the whole cluster, and
            -- two databases migrating at once would fail with "tuple concurrently updated".
            COMMENT ON ROLE ${ROLE} IS
              'owner of prune_retention_batch(): the only role forbid_change() lets delete old log rows; NOLOGIN, granted to nobody';
          EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL; -- created meanwhile elsewhere
            WHEN insufficient_privilege THEN
              RAISE EXCEPTION 'cannot create role ${ROLE}: run the migrations once as a role with CREATEROLE, or create it first (CREATE ROLE ${ROLE} NOLOGIN) and grant it to % WITH ADMIN OPTION', current_user;
          END;
        END IF;
      END $$`);
    const schema = await currentSchema(q);
    await q.query(`GRANT USAGE ON SCHEMA ${schema} TO ${ROLE}`);
    await q.query(`GRANT SELECT, DELETE ON ${TABLES.join(', ')} TO ${ROLE}`);
    await asMember(q, schema, async () => {
      await q.query(`ALTER FUNCTION ${FN} OWNER TO ${ROLE}`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${FN} TO CURRENT_USER`);
    });
  }

  async down(q: QueryRunner): Promise<void> {
    const schema = await currentSchema(q);
    await asMember(q, schema, async () => {
      await q.query(`REVOKE EXECUTE ON FUNCTION ${FN} FROM CURRENT_USER`);
      await q.query(`ALTER FUNCTION ${FN} OWNER TO CURRENT_USER`);
    });
    await q.query(`REVOKE SELECT, DELETE ON ${TABLES.join(', ')} FROM ${ROLE}`);
    await q.query(`REVOKE USAGE ON SCHEMA ${schema} FROM ${ROLE}`);
  }
}

async function currentSchema(q: QueryRunner): Promise<string> {
  const [{ schema }] = (await q.query('SELECT current_schema() AS schema')) as { schema: string }[];
  return `"${schema.replace(/"/g, '""')}"`;
}

/**
 * Runs `fn` with the right to act as wop_retention. A superuser has it; another role must be a
 * member of it, and for an owner change the new owner needs CREATE on the schema: both are given
 * for the time of `fn` only, unless the migrating role had them already.
 */
async function asMember(q: QueryRunner, schema: string, fn: () => Promise<void>): Promise<void> {
  const [me] = (await q.query(
    `SELECT r.rolsuper AS superuser,
            pg_has_role(current_user, '${ROLE}', 'MEMBER') AS member,
            has_schema_privilege('${ROLE}', current_schema(), 'CREATE') AS creates
       FROM pg_roles r WHERE r.rolname = current_user`,
  )) as { superuser: boolean; member: boolean; creates: boolean }[];
  if (me.superuser) return fn();
  if (!me.member) await q.query(`GRANT ${ROLE} TO CURRENT_USER`);
  if (!me.creates) await q.query(`GRANT CREATE ON SCHEMA ${schema} TO ${ROLE}`);
  await fn();
  if (!me.creates) await q.query(`REVOKE CREATE ON SCHEMA ${schema} FROM ${ROLE}`);
  if (!me.member) await q.query(`REVOKE ${ROLE} FROM CURRENT_USER`);
}
