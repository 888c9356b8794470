import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * Reads `openapi.yaml` and turns each operation into what Fastify needs: method, URL, and the
 * validation/serialization schemas taken from the document. Nothing here restates the contract.
 */

export const defaultSpecPath = fileURLToPath(new URL('../../../../openapi.yaml', import.meta.url));

type JsonObject = Record<string, unknown>;

export interface OpenApiDocument extends JsonObject {
  openapi: string;
  security?: Array<Record<string, string[]>>;
  paths: Record<string, Record<string, unknown>>;
  components: {
    schemas: Record<string, JsonObject>;
    parameters?: Record<string, ParameterObject>;
    responses?: Record<string, ResponseObject>;
  };
}

interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema: JsonObject;
}

interface ResponseObject {
  description: string;
  content?: Record<string, { schema?: JsonObject }>;
}

interface OperationObject {
  operationId: string;
  parameters?: Array<ParameterObject | { $ref: string }>;
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonObject }> };
  responses: Record<string, ResponseObject | { $ref: string }>;
  security?: Array<Record<string, string[]>>;
}

export interface OperationRoute {
  operationId: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Fastify URL syntax (`/products/:id`). */
  url: string;
  /** The path as written in the document (`/products/{id}`). */
  specPath: string;
  schema: {
    body?: JsonObject;
    querystring?: JsonObject;
    params?: JsonObject;
    headers?: JsonObject;
    response?: Record<string, JsonObject>;
  };
  /** Media types the operation accepts for its body; empty when it takes none. */
  bodyMediaTypes: string[];
  /**
   * Its security requirements (the operation's, else the document's): alternatives, each mapping
   * scheme names to required roles. Undefined or `[]`: public.
   */
  security: Array<Record<string, string[]>> | undefined;
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const SCHEMA_REF = '#/components/schemas/';

export function loadOpenApiDocument(path = defaultSpecPath): OpenApiDocument {
  return parse(readFileSync(path, 'utf8')) as OpenApiDocument;
}

/** Component schema refs become ids of shared schemas (`Product#`), as Fastify and Ajv resolve them. */
export function rewriteSchemaRefs<T>(value: T): T {
  if (Array.isArray(value)) return value.map(rewriteSchemaRefs) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] =
      key === '$ref' && typeof inner === 'string' && inner.startsWith(SCHEMA_REF)
        ? `${inner.slice(SCHEMA_REF.length)}#`
        : rewriteSchemaRefs(inner);
  }
  return out as T;
}

/** The component schemas as standalone schemas with `$id`, ready for `addSchema`. */
export function sharedSchemas(doc: OpenApiDocument): JsonObject[] {
  return Object.entries(doc.components.schemas).map(([name, schema]) => ({
    $id: name,
    ...rewriteSchemaRefs(schema),
  }));
}

function resolveRef<T>(doc: OpenApiDocument, ref: string): T {
  const target = ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as JsonObject | undefined)?.[key], doc);
  if (target === undefined) throw new Error(`openapi: unresolvable $ref ${ref}`);
  return target as T;
}

function deref<T>(doc: OpenApiDocument, value: T | { $ref: string }): T {
  return typeof value === 'object' && value !== null && '$ref' in value ? resolveRef<T>(doc, value.$ref) : (value as T);
}

function parametersSchema(params: ParameterObject[], location: ParameterObject['in']): JsonObject | undefined {
  const selected = params.filter((p) => p.in === location);
  if (selected.length === 0) return undefined;
  // HTTP header names are case-insensitive and Node lower-cases them.
  const name = (p: ParameterObject) => (location === 'header' ? p.name.toLowerCase() : p.name);
  return {
    type: 'object',
    properties: Object.fromEntries(
      selected.map((p) => [name(p), rewriteSchemaRefs({ ...p.schema, ...(p.description ? { description: p.description } : {}) })]),
    ),
    required: selected.filter((p) => p.required).map(name),
    // Unknown query parameters are rejected so that a typo (`?lowstock=true`) is not silently ignored.
    ...(location === 'query' || location === 'path' ? { additionalProperties: false } : {}),
  };
}

function responseSchemas(doc: OpenApiDocument, operation: OperationObject): Record<string, JsonObject> | undefined {
  const out: Record<string, JsonObject> = {};
  for (const [status, responseOrRef] of Object.entries(operation.responses)) {
    const response = deref<ResponseObject>(doc, responseOrRef);
    const schema = response.content?.['application/json']?.schema;
    // Only successful JSON bodies are serialized through schemas; problems are built by the error handler.
    if (schema && status.startsWith('2')) out[status] = rewriteSchemaRefs(schema);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function operationRoutes(doc: OpenApiDocument): OperationRoute[] {
  const routes: OperationRoute[] = [];
  for (const [specPath, pathItem] of Object.entries(doc.paths)) {
    const shared = ((pathItem.parameters as ParameterObject[] | undefined) ?? []).map((p) => deref(doc, p));
    for (const method of HTTP_METHODS) {
      const operation = pathItem[method] as OperationObject | undefined;
      if (!operation) continue;
      const own = (operation.parameters ?? []).map((p) => deref<ParameterObject>(doc, p));
      const params = [...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)), ...own];
      const body = operation.requestBody;
      const bodySchema = body ? Object.values(body.content)[0]?.schema : undefined;
      const schema: OperationRoute['schema'] = {
        ...(bodySchema ? { body: rewriteSchemaRefs(bodySchema) } : {}),
        ...optional('querystring', parametersSchema(params, 'query')),
        ...optional('params', parametersSchema(params, 'path')),
        ...optional('headers', parametersSchema(params, 'header')),
        ...optional('response', responseSchemas(doc, operation)),
      };
      routes.push({
        operationId: operation.operationId,
        method: method.toUpperCase() as OperationRoute['method'],
        url: specPath.replace(/\{(\w+)\}/g, ':$1'),
        specPath,
        schema,
        bodyMediaTypes: body ? Object.keys(body.content) : [],
        security: operation.security ?? doc.security,
      });
    }
  }
  return routes;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
