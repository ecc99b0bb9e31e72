/**
 * TypeORM's `query` gives INSERT ... RETURNING as rows but UPDATE/DELETE ... RETURNING as
 * [rows, count]; this reads both.
 */
export function returnedRows<T = Record<string, unknown>>(result: unknown): T[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
