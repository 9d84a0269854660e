import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import type { RunRecord } from './runRecord.js';

/** The JSON Schema of a run record, as a parsed object. */
export function runRecordSchema(): object {
  return JSON.parse(readFileSync(new URL('./runRecord.schema.json', import.meta.url), 'utf8')) as object;
}

/** A run record checker: returns null for a valid record, or the first problem as one line. */
export type RecordValidator = (value: unknown) => string | null;

/** Returns a validator compiled from the repository's schema (compile once, check many). */
export function makeRecordValidator(): RecordValidator {
  const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
  const check = ajv.compile<RunRecord>(runRecordSchema());
  return (value) => (check(value) ? null : describe(check.errors?.[0]));
}

function describe(error: ErrorObject | undefined): string {
  if (!error) return 'does not match the run-record schema';
  const where = error.instancePath === '' ? 'the record' : error.instancePath;
  const extra =
    error.keyword === 'additionalProperties'
      ? ` (${(error.params as { additionalProperty: string }).additionalProperty})`
      : error.propertyName !== undefined
        ? ` (key ${JSON.stringify(error.propertyName)})`
        : '';
  return `${where} ${error.message ?? 'is invalid'}${extra}`;
}
