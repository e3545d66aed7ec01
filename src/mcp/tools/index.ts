import type { AnyTool } from '../define-tool.js';
import { whoamiTool } from './whoami.js';
import { listHostsTool } from './list-hosts.js';
import { describeHostTool } from './describe-host.js';
import { checkHostsTool } from './check-hosts.js';
import { runCommandTool } from './run-command.js';
import { planCommandTool } from './plan-command.js';
import { startJobTool } from './start-job.js';
import { getJobTool } from './get-job.js';
import { cancelJobTool } from './cancel-job.js';
import { listJobsTool } from './list-jobs.js';
import { getApprovalTool } from './get-approval.js';

/** Every tool the gateway offers, in the order clients list them. */
export const ALL_TOOLS: readonly AnyTool[] = [
  whoamiTool,
  listHostsTool,
  describeHostTool,
  checkHostsTool,
  runCommandTool,
  planCommandTool,
  startJobTool,
  getJobTool,
  cancelJobTool,
  listJobsTool,
  getApprovalTool,
];
