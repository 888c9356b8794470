import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { eventCatalog, eventTypes, isEventType, type EventType } from './catalog.js';
import type { HeraldEvent } from './types.js';

// ajv and ajv-formats are CommonJS packages whose default export lands on `.default` under ESM.
const Ajv = AjvModule.default ?? AjvModule;
const addFormats = addFormatsModule.default ?? addFormatsModule;

export interface EventValidationIssue {
  /** JSON Pointer into the event, e.g. `/data/product/stock`. */
  path: string;
  message: string;
}

export type EventValidationResult =
  | { valid: true; event: HeraldEvent }
  | { valid: false; issues: EventValidationIssue[] };

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv);
// `description` and `title` are annotations ajv knows; nothing else non-standard is used.

const validators = new Map<EventType, ValidateFunction>(
  eventTypes.map((type) => [type, ajv.compile(eventCatalog[type].schema)]),
);

function toIssues(errors: ErrorObject[] | null | undefined): EventValidationIssue[] {
  return (errors ?? []).map((error) => {
    const missing = error.keyword === 'required' ? `/${String(error.params.missingProperty)}` : '';
    const extra =
      error.keyword === 'additionalProperties' ? `/${String(error.params.additionalProperty)}` : '';
    return { path: `${error.instancePath}${missing}${extra}` || '/', message: error.message ?? error.keyword };
  });
}

/**
 * Checks a value against the schema of the event type it claims to be. Unknown types are invalid:
 * a consumer must not guess at an event it has no contract for.
 */
export function validateEvent(value: unknown): EventValidationResult {
  if (typeof value !== 'object' || value === null) {
    return { valid: false, issues: [{ path: '/', message: 'must be a JSON object' }] };
  }
  const type = (value as { type?: unknown }).type;
  if (!isEventType(type)) {
    return { valid: false, issues: [{ path: '/type', message: `unknown event type ${JSON.stringify(type)}` }] };
  }
  const validator = validators.get(type)!;
  if (validator(value)) return { valid: true, event: value as HeraldEvent };
  return { valid: false, issues: toIssues(validator.errors) };
}

/** Error thrown by `assertValidEvent`; `issues` names every offending field. */
export class EventValidationError extends Error {
  readonly code = 'HERALD_EVENT_INVALID';
  constructor(readonly issues: EventValidationIssue[]) {
    super(`invalid event: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`);
    this.name = 'EventValidationError';
  }
}

export function assertValidEvent(value: unknown): HeraldEvent {
  const result = validateEvent(value);
  if (!result.valid) throw new EventValidationError(result.issues);
  return result.event;
}

/** Parses a structured-mode record value (JSON text) and validates it. */
export function parseEvent(json: string): EventValidationResult {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return { valid: false, issues: [{ path: '/', message: `not JSON: ${(error as Error).message}` }] };
  }
  return validateEvent(value);
}
