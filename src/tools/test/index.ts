import type { Tool } from '../define.js';
import { CONFORMANCE_TOOLS } from './conformance.js';
import { testSlow } from './slow.js';

/** Test-only fixtures (test_*), served only when the setting mcp.test_tools is on. */
export const TEST_TOOLS: readonly Tool[] = [...CONFORMANCE_TOOLS, testSlow];
