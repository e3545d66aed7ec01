import {
  createRequestStateCodec,
  inputRequired,
  type InputRequiredResult,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { ApprovalState } from '../core/run/decide.js';
import { approvalPage } from '../core/approvals/approval.js';
import type { CallerProtocol } from './define-tool.js';
import type { KeySource } from '../core/ports.js';
import { AppError } from '../core/errors.js';

/** What a held call's `requestState` carries: which approval it waits for, and whose call it is. */
interface HeldCall {
  readonly approvalId: string;
  readonly user: string;
  readonly tool: string;
}

/** The one input a held call asks for: the person visiting the approval page. */
export const APPROVAL_INPUT = 'approval';

/**
 * A retry's state may be held as long as an approval may wait for a decision (the longest
 * `approvals.ttlMinutes`). It grants nothing the approval id does not: the gate checks the
 * requester, the command bytes, the hosts and the approval's own expiry again on every retry.
 */
const STATE_TTL_SECONDS = 24 * 60 * 60;

/** Why a `requestState` was refused, for the audit record (the client is told only that it was). */
export class RequestStateRefused extends AppError {
  override readonly name = 'RequestStateRefused';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INVALID_INPUT', message, options);
  }
}

/**
 * Multi-round-trip approval (2026-07-28): a call held for approval is answered `input_required`
 * with a URL-mode elicitation of the approval's page and a sealed `requestState`; the client
 * sends the person there and calls again with the state, and the call then goes on as a retry
 * with that approval id. Only for clients that declared URL elicitation, and only where the
 * gateway has an origin to link to.
 */
export interface ApprovalRounds {
  /** The `input_required` answer for a held call, or undefined when this caller cannot take one. */
  redirect(
    held: ApprovalState,
    call: { user: string; tool: string; protocol: CallerProtocol; origin?: string },
  ): Promise<InputRequiredResult | undefined>;
  /** The approval id a retry's state names, once its seal, age, user and tool check out. */
  resume(state: string, ctx: ServerContext, call: { user: string; tool: string }): Promise<string>;
}

/**
 * `key` seals `requestState`: the same for every process of a deployment (a retry may reach
 * another process or Lambda container), at least 32 bytes.
 */
export function approvalRounds(key: KeySource): ApprovalRounds {
  let codec: Promise<RequestStateCodec<HeldCall>> | undefined;
  const sealer = () => {
    codec ??= key().then(
      (bytes) => createRequestStateCodec<HeldCall>({ key: bytes, ttlSeconds: STATE_TTL_SECONDS }),
      (error: unknown) => {
        codec = undefined; // read again on the next round
        throw error;
      },
    );
    return codec;
  };
  return {
    async redirect(held, call) {
      if (held.status !== 'pending' || !call.origin || !opensUrls(call.protocol)) return undefined;
      const state: HeldCall = { approvalId: held.id, user: call.user, tool: call.tool };
      return inputRequired({
        inputRequests: {
          [APPROVAL_INPUT]: inputRequired.elicitUrl({
            message:
              `Approval ${held.id}: someone with the approver or admin role must approve this before it runs. ` +
              'Open the page to see the request and share it with them; once it is decided, continue here and the call goes on.',
            url: approvalPage(call.origin, held.id),
          }),
        },
        requestState: await (await sealer()).mint(state),
      });
    },
    async resume(state, ctx, call) {
      const codec = await sealer();
      let held: HeldCall;
      try {
        held = await codec.verify(state, ctx);
      } catch (error) {
        throw new RequestStateRefused(
          `requestState refused (${error instanceof Error ? error.message : 'unreadable'})`,
        );
      }
      if (held.user !== call.user)
        throw new RequestStateRefused(`requestState of ${held.user}'s call, sent by ${call.user}`);
      if (held.tool !== call.tool)
        throw new RequestStateRefused(`requestState of a ${held.tool} call, sent to ${call.tool}`);
      return held.approvalId;
    },
  };
}

/** The client declared URL-mode elicitation on this request (`elicitation: {}` means forms only). */
function opensUrls(protocol: CallerProtocol): boolean {
  const elicitation = protocol.capabilities?.['elicitation'];
  return (
    protocol.era === 'modern' &&
    elicitation !== null &&
    typeof elicitation === 'object' &&
    'url' in elicitation
  );
}
