import { adapterList } from './adapter/list.js';
import { adapterProbe } from './adapter/probe.js';
import { adapterRestart } from './adapter/restart.js';
import { auditList } from './audit/list.js';
import { auditVerify } from './audit/verify.js';
import { authCreateToken } from './auth/create-token.js';
import { authCreateUser } from './auth/create-user.js';
import { authDisableUser } from './auth/disable-user.js';
import { authEnableUser } from './auth/enable-user.js';
import { authListTokens } from './auth/list-tokens.js';
import { authListUsers } from './auth/list-users.js';
import { authRevokeToken } from './auth/revoke-token.js';
import { backupCreate } from './backup/create.js';
import { backupList } from './backup/list.js';
import { backupPrune } from './backup/prune.js';
import { backupRestore } from './backup/restore.js';
import { backupVerify } from './backup/verify.js';
import { configReload } from './config/reload.js';
import { configValidate } from './config/validate.js';
import type { Tool } from './define.js';
import { drCheck } from './dr/check.js';
import { drRecover } from './dr/recover.js';
import { ecosystemRestartDatabase } from './ecosystem/restart-database.js';
import { poolClose } from './pool/close.js';
import { poolList } from './pool/list.js';
import { poolMoveQueue } from './pool/move-queue.js';
import { poolScale } from './pool/scale.js';
import { poolSpawn } from './pool/spawn.js';
import { poolStatus } from './pool/status.js';
import { poolUpdate } from './pool/update.js';
import { securityRotateJwtSecret } from './security/rotate-jwt-secret.js';
import { securityRotateSecrets } from './security/rotate-secrets.js';
import { validateProductionTool } from './validate/production.js';
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
  authDisableUser,
  authEnableUser,
  authListTokens,
  authRevokeToken,
  auditVerify,
  auditList,
  configValidate,
  configReload,
  adapterList,
  adapterProbe,
  adapterRestart,
  ecosystemRestartDatabase,
  validateProductionTool,
  backupCreate,
  backupList,
  backupVerify,
  backupPrune,
  backupRestore,
  drCheck,
  drRecover,
  securityRotateJwtSecret,
  poolList,
  poolStatus,
  poolSpawn,
  poolScale,
  poolUpdate,
  poolMoveQueue,
  poolClose,
  workflowList,
  workflowRun,
  workflowStatus,
  workflowLogs,
  workflowCancel,
  securityRotateSecrets,
];

export const toolByName = new Map(TOOLS.map((t) => [t.name, t]));
