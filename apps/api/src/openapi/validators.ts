import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

// CommonJS default exports arrive on `.default` under ESM.
const Ajv2020 = Ajv2020Module.default ?? Ajv2020Module;
const addFormats = addFormatsModule.default ?? addFormatsModule;

type JsonObject = Record<string, unknown>;

function createAjv(coerceTypes: boolean | 'array') {
  const ajv = new Ajv2020({
    // Report every bad field at once, not just the first.
    allErrors: true,
    // Unknown fields are an error (schemas say additionalProperties: false), never silently dropped.
    removeAdditional: false,
    useDefaults: true,
    coerceTypes,
    // OpenAPI annotations such as `examples` are not validation keywords.
    strict: false,
    // Errors carry their schema, so an unknown field's message can list the known ones.
    verbose: true,
  });
  addFormats(ajv);
  return ajv;
}

/**
 * Compiles the request schemas taken from openapi.yaml with JSON Schema 2020-12 (OpenAPI 3.1's
 * dialect). Query, path and header values arrive as strings and are coerced to their declared
 * types; JSON bodies are not coerced, so `"stock": "5"` is a 400 rather than a guess.
 */
export function createValidatorCompiler(sharedSchemas: JsonObject[]): FastifySchemaCompiler<JsonObject> {
  const strictBodies = createAjv(false);
  const coercingParameters = createAjv('array');
  for (const schema of sharedSchemas) {
    strictBodies.addSchema(schema);
    coercingParameters.addSchema(schema);
  }
  return ({ schema, httpPart }) =>
    (httpPart === 'body' ? strictBodies : coercingParameters).compile(schema) as ReturnType<
      FastifySchemaCompiler<JsonObject>
    >;
}
