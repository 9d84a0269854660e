import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import type { RunRecord } from './runRecord.js';

/** The JSON Schema of a run record, as a parsed object. */
export function runRecordSchema(): object {
  return JSON.parse(readFileSync(new URL('./runRecord.schema.json', import.meta.url), 'utf8')) as object;
}

/** A run record checker: returns null for a valid record, or the first problem as one line. */
export type RecordValidator = (value: unknown) => string | null;

/**
 * Returns a validator compiled from the repository's schema (compile once, check many). A record is
 * checked once per command, so compiling fast matters more than checking fast: the generated code is
 * not optimised, which saves about a quarter of the compile time for the same checks. (Not inlining
 * each `$ref` would save more, but then a wrong key no longer names itself in the error.)
 */
export function makeRecordValidator(): RecordValidator {
  const ajv = new Ajv({
    allErrors: false,
    strict: true,
    allowUnionTypes: true,
    code: { optimize: false },
  });
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
