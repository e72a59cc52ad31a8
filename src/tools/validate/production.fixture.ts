import type { ToolFixture } from '../../../test/helpers/tool-fixture.js';
import { validateProductionTool } from './production.js';

export const fixture: ToolFixture = {
  tool: validateProductionTool,
  input: () => ({}),
  holds: { 'runs the whole checklist': (out: { checks: unknown[] }) => out.checks.length > 5 },
};
