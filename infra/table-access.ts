import {
  APPROVALS_REQUESTER_INDEX,
  JOBS_ALL_INDEX,
  JOBS_OWNER_INDEX,
  type TableNames,
} from '../src/adapters/dynamo/table-specs.js';

/** A DynamoDB action the gateway's code issues. Scan is never one of them. */
export type TableAction =
  'GetItem' | 'BatchGetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'Query' | 'BatchWriteItem';

export interface TableGrant {
  readonly actions: readonly TableAction[];
  /** Indexes queried; the grant covers only these, not every index of the table. */
  readonly indexes?: readonly string[];
}

export type GatewayFunction = 'mcp' | 'worker';

/**
 * Exactly the actions each function's code issues on each table — the stack grants these and
 * nothing else, and the bundled-handler test checks every call the functions make against them.
 * A table a function is wired to but does not touch gets no grant (`actions: []`).
 */
export const TABLE_ACCESS: Record<
  GatewayFunction,
  Partial<Record<keyof TableNames, TableGrant>>
> = {
  mcp: {
    // Authentication only reads: a key and its user together (BatchGetItem), or one after the
    // other for a key that does not name its user (GetItem). Users and keys are written by the
    // CLI, so a compromised endpoint cannot mint a key.
    users: { actions: ['GetItem', 'BatchGetItem'] },
    // Clients, codes, tokens and attempt counters: put, read, spend once (conditional update),
    // count, and delete a revoked access token.
    oauth: { actions: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'] },
    // Append-only: the chain's head is a Query, a record a conditional PutItem.
    audit: { actions: ['PutItem', 'Query'] },
    // A call that needs approval stores a request (conditional PutItem), finds the caller's
    // identical pending one (Query on requester-index), reads one and uses it up (conditional
    // UpdateItem). Deciding is the CLI's, with its user's own credentials.
    approvals: {
      actions: ['GetItem', 'PutItem', 'Query', 'UpdateItem'],
      indexes: [APPROVALS_REQUESTER_INDEX],
    },
    // run_command runs in the request and writes its hosts' history items together
    // (BatchWriteItem); once its job is stored, each as its host ends (PutItem).
    history: { actions: ['BatchWriteItem', 'PutItem'] },
    // start_job (and a run_command that outlives its budget or prints more than its answer
    // carries) stores a job and its hosts (BatchWriteItem); such a run_command then stores host
    // states and output chunks (PutItem), its heartbeat and end (UpdateItem) and polls for a
    // cancel (GetItem); get_job, list_jobs and the wait for a worker's result read it (Query);
    // cancel_job and marking a lost job update it. get_job takes over a job nobody runs any more
    // (a let-go one): claims it (UpdateItem), stores what its hosts' spools hold and each host's
    // end (PutItem), and records the job's end.
    jobs: {
      actions: ['BatchWriteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'],
      indexes: [JOBS_OWNER_INDEX, JOBS_ALL_INDEX],
    },
  },
  worker: {
    audit: { actions: ['PutItem', 'Query'] },
    history: { actions: ['PutItem'] },
    // Claim, heartbeat and end (UpdateItem), the cancel poll (GetItem), load the job (Query),
    // host states and output chunks (PutItem); the scheduled sweep lists every user's newest
    // jobs (Query on all-index) and takes over those nobody runs.
    jobs: { actions: ['GetItem', 'PutItem', 'Query', 'UpdateItem'], indexes: [JOBS_ALL_INDEX] },
  },
};
