import type { z } from 'zod';
import type { CoreDeps } from '../core/deps.js';
import type { Fleet } from '../core/fleet/fleet.js';
import type { Role, User } from '../core/users/user.js';

export const TOOLSETS = [
  'hosts',
  'exec',
  'jobs',
  'files',
  'diagnostics',
  'history',
  'governance',
] as const;
export type Toolset = (typeof TOOLSETS)[number];

/** Which protocol era asked, and what the client declared it can do. */
export interface CallerProtocol {
  /** `modern`: 2026-07-28, a per-request envelope; `legacy`: the 2025-era `initialize` revisions. */
  readonly era: 'modern' | 'legacy';
  /**
   * The client's declared capabilities (e.g. `elicitation.url`). Undefined for a 2025-era request
   * over HTTP: it carries none, and a stateless server never sees that client's `initialize`.
   */
  readonly capabilities?: Readonly<Record<string, unknown>>;
}

/** What a tool handler gets for one call: the deps, this request's fleet snapshot and the caller. */
export interface ToolContext {
  readonly deps: CoreDeps;
  readonly fleet: Fleet;
  readonly user: User;
  readonly requestId: string;
  readonly protocol: CallerProtocol;
  /**
   * Where people reach this gateway (the public URL or the allow-listed Host, never the request
   * line), for links such as an approval's page; absent on stdio.
   */
  readonly origin?: string;
  /** When work in this process stops (a Lambda invocation's end), epoch ms; absent on a server. */
  readonly runUntil?: number;
}

/** All four hints are required: a model and a client decide on them. */
export interface ToolAnnotationsStrict {
  readonly readOnlyHint: boolean;
  readonly destructiveHint: boolean;
  readonly idempotentHint: boolean;
  readonly openWorldHint: boolean;
}

export interface ToolDefinition<I extends z.ZodRawShape, O extends z.ZodRawShape> {
  readonly name: string;
  readonly toolset: Toolset;
  readonly title: string;
  /** For a model: what it does, when to use it, its limits. */
  readonly description: string;
  /** The lowest role that sees the tool at all. */
  readonly minRole: Role;
  readonly inputSchema: I;
  readonly outputSchema: O;
  readonly annotations: ToolAnnotationsStrict;
  readonly handler: (
    input: z.infer<z.ZodObject<I>>,
    ctx: ToolContext,
  ) => Promise<z.infer<z.ZodObject<O>>>;
  /** The text mirror of the structured result, written for a model to read. */
  readonly toText: (output: z.infer<z.ZodObject<O>>) => string;
  /**
   * True when the core writes this tool's audit records (intent and outcome) itself; the server
   * then records only calls that are refused or fail, so a successful call is not audited twice.
   */
  readonly auditedByCore?: boolean;
  /**
   * The call may be held for a person's approval (it takes `approvalId`; its output then carries
   * `approval`). 2026-07-28 clients that open URLs are then sent to the approval page and come
   * back by themselves. Such a tool is `auditedByCore`: the held call is recorded there.
   */
  readonly asksApproval?: true;
  /** The input field holding a shell command, recorded (scrubbed) with every call, refused ones too. */
  readonly auditCommand?: keyof I & string;
  /** Host names the call touched, for the audit record. */
  readonly auditTargets?: (
    input: z.infer<z.ZodObject<I>>,
    output?: z.infer<z.ZodObject<O>>,
  ) => string[];
}

// A list holds tools of different shapes; a handler's input is contravariant, so only `any` erases
// them. The server factory re-types the schemas where it hands them to the SDK.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type AnyTool = ToolDefinition<any, any>;

/** Declares a tool. Only the server factory registers tools with the SDK. */
export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(
  definition: ToolDefinition<I, O>,
): ToolDefinition<I, O> {
  return definition;
}
