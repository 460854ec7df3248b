// GET /openapi.json: an OpenAPI 3.1 document built from the zod schemas the routes validate with (z.toJSONSchema;
// no code generation), the operation table beside this file, and the access table the security middleware mounts.
import type { InputLimits } from '@fraudscore/sdk';
import { Hono } from 'hono';
import { accessFor } from '../access.js';
import { errorBody, z } from '../schemas/index.js';
import { EDGE_VERSION } from '../version.js';
import { componentSchemas, refOf } from './components.js';
import { OPERATIONS, TAGS, type Operation } from './operations.js';

export { OPERATIONS, type Operation } from './operations.js';

export interface OpenApiOptions {
  /** How clients send the API key (SecurityOptions.header); absent: the app runs without keys, none is documented. */
  apiKeyHeader?: 'authorization' | 'x-api-key' | undefined;
  /** Optional route groups the app serves. */
  drift?: boolean;
  bundle?: boolean;
  /** The input limits in force (amount ceiling, timestamp window): the Transaction schema shows them. Default the SDK's. */
  limits?: Partial<InputLimits> | undefined;
}

export type OpenApiDocument = Record<string, unknown> & {
  paths: Record<string, Record<string, Record<string, unknown>>>;
};

const SCHEME = 'apiKey';
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request: a body that is not valid UTF-8 or not valid JSON, a bad query or path parameter (`field` names it).',
  422: 'Well-formed JSON with an unacceptable value (`field` names it, e.g. `transactions[3].amount`).',
};

/** The operations the app serves with these options. */
export function servedOperations(options: OpenApiOptions): Operation[] {
  return OPERATIONS.filter((op) => op.servedWhen === undefined || options[op.servedWhen] === true);
}

export function buildOpenApiDocument(options: OpenApiOptions = {}): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const op of servedOperations(options)) (paths[op.path] ??= {})[op.method] = operationObject(op, options);
  return {
    openapi: '3.1.0',
    info: {
      title: 'fraudscore edge API',
      version: EDGE_VERSION,
      description:
        'Fraud scoring, analyst review and model serving. Every error except KServe\'s is `{ "error": { "code", "message", "field" } }`; every response carries X-Request-Id (a 5xx names it in `requestId` too, as the server\'s log line does). Bodies are JSON sent as UTF-8 with Content-Type: application/json.',
    },
    tags: TAGS.filter((tag) =>
      Object.values(paths).some((item) => Object.values(item).some((o) => (o['tags'] as string[])[0] === tag.name)),
    ),
    paths,
    components: {
      schemas: componentSchemas(options.limits),
      ...(options.apiKeyHeader ? { securitySchemes: { [SCHEME]: securityScheme(options.apiKeyHeader) } } : {}),
    },
  };
}

function securityScheme(header: 'authorization' | 'x-api-key'): Record<string, unknown> {
  const how =
    'Keys are configured with API_KEYS (`key:scope+scope`); scopes are score, analyst and admin (admin implies both).';
  return header === 'authorization'
    ? { type: 'http', scheme: 'bearer', description: `\`Authorization: Bearer <API key>\`. ${how}` }
    : { type: 'apiKey', in: 'header', name: 'X-API-Key', description: `\`X-API-Key: <API key>\`. ${how}` };
}

function operationObject(op: Operation, options: OpenApiOptions): Record<string, unknown> {
  // Access as the middleware decides it, for a concrete path of this shape.
  const access = options.apiKeyHeader
    ? accessFor(op.method.toUpperCase(), op.path.replace(/\{[^}]+\}/g, 'x'))
    : { key: false as const };
  const parameters = [...parametersOf(op.params, 'path', op.path), ...parametersOf(op.query, 'query', op.path)];
  const errorRef = refOf(op.errorSchema ?? errorBody);
  const refusals: Record<number, string> = {
    ...(parameters.length > 0 ? { 400: ERROR_DESCRIPTIONS[400] } : {}),
    ...(op.body ? { 400: ERROR_DESCRIPTIONS[400], ...(op.errorSchema ? {} : { 422: ERROR_DESCRIPTIONS[422] }) } : {}),
    ...(access.key ? { 401: 'No API key, or not a valid one.', 429: 'Rate limited (Retry-After).' } : {}),
    ...(access.key && access.scope ? { 403: `The key lacks the \`${access.scope}\` scope.` } : {}),
    ...(op.body
      ? {
          413: 'Body larger than the configured limit (1 MiB by default).',
          415: 'A body not sent as JSON: Content-Type must be application/json (or a +json type; charset utf-8 if given).',
        }
      : {}),
    ...op.refusals,
  };
  const responses: Record<string, unknown> = {};
  for (const [status, reply] of Object.entries(op.ok)) {
    const content = reply.schema
      ? { 'application/json': { schema: refOf(reply.schema) } }
      : reply.contentType
        ? { [reply.contentType]: {} }
        : undefined;
    responses[status] = { description: reply.description, ...(content ? { content } : {}) };
  }
  for (const [status, description] of Object.entries(refusals))
    responses[status] = { description, content: { 'application/json': { schema: errorRef } } };
  const scope = access.key
    ? access.scope
      ? `Requires an API key with the \`${access.scope}\` scope.`
      : 'Requires a valid API key (any scope).'
    : 'No API key needed.';
  return {
    tags: [op.tag],
    summary: op.summary,
    description: scope,
    operationId: operationId(op),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body
      ? { requestBody: { required: !op.bodyOptional, content: { 'application/json': { schema: refOf(op.body) } } } }
      : {}),
    responses,
    security: access.key ? [{ [SCHEME]: access.scope ? [access.scope] : [] }] : [],
  };
}

/** An object schema's properties as OpenAPI parameters (path ones only if the path has them). */
function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query', path: string): Record<string, unknown>[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: 'input' }) as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {})
    .filter(([name]) => where === 'query' || path.includes(`{${name}}`))
    .map(([name, { description, ...property }]) => ({
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      ...(description !== undefined ? { description } : {}),
      schema: property,
    }));
}

function operationId(op: Operation): string {
  const words = op.path
    .split('/')
    .filter(Boolean)
    .map((part) => part.replace(/[{}.]/g, '').replace(/-(\w)/g, (_, ch: string) => ch.toUpperCase()));
  return [op.method, ...words].map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('');
}

/** GET / of this group serves the document, built on the first request (keeps start-up cheap on edge runtimes). */
export function openApiRoutes(options: OpenApiOptions): Hono {
  const app = new Hono();
  let document: OpenApiDocument | undefined;
  app.get('/', (c) => c.json((document ??= buildOpenApiDocument(options))));
  return app;
}
