/**
 * The MCP server SDK's Node shims as bundled for Lambda: the same `process`, and for JSON Schema
 * validation the validator the SDK ships for Workers (@cfworker/json-schema, ~20 KB) in place of
 * Ajv (~150 KB). The gateway validates tool arguments and results with zod itself; the SDK's
 * validator only backs features the gateway does not use (elicitation results).
 */
export { CfWorkerJsonSchemaValidator as DefaultJsonSchemaValidator } from '@modelcontextprotocol/server/validators/cf-worker';
export { default as process } from 'node:process';
