import type { Config } from '../core/config/schema.js';
import { auditList } from './audit/list.js';
import { auditVerify } from './audit/verify.js';
import { authCreateToken } from './auth/create-token.js';
import { authCreateUser } from './auth/create-user.js';
import { authListUsers } from './auth/list-users.js';
import { configValidate } from './config/validate.js';
import type { Tool } from './define.js';
import { poolClose } from './pool/close.js';
import { poolList } from './pool/list.js';
import { poolScale } from './pool/scale.js';
import { poolSpawn } from './pool/spawn.js';
import { poolStatus } from './pool/status.js';
import { TEST_TOOLS } from './test/index.js';
import { workflowCancel } from './workflow/cancel.js';
import { workflowList } from './workflow/list.js';
import { workflowLogs } from './workflow/logs.js';
import { workflowRun } from './workflow/run.js';
import { workflowStatus } from './workflow/status.js';

/** Every runbook action. The MCP tools, the CLI commands and the HTTP routes are generated from this list. */
export const TOOLS: readonly Tool[] = [
  authCreateUser,
  authCreateToken,
  authListUsers,
  auditVerify,
  auditList,
  configValidate,
  poolList,
  poolStatus,
  poolSpawn,
  poolScale,
  poolClose,
  workflowList,
  workflowRun,
  workflowStatus,
  workflowLogs,
  workflowCancel,
];

export const toolByName = new Map(TOOLS.map((t) => [t.name, t]));

/** The tools a server serves: TOOLS, plus the test_* fixtures when mcp.test_tools is on. */
export const servedToolList = (config: Config): readonly Tool[] =>
  config.mcp.test_tools ? [...TOOLS, ...TEST_TOOLS] : TOOLS;
