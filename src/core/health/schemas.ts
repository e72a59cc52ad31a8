import { z } from 'zod';

/** Health shapes that tools return; the core's types are these. */

export const HealthStatus = z.enum(['healthy', 'degraded', 'unhealthy']);
export type HealthStatus = z.infer<typeof HealthStatus>;

/** One component's status as a tool reports it (the probes add latency, criticality, details). */
export const ComponentStatus = z.strictObject({
  name: z.string(),
  status: HealthStatus,
  message: z.string(),
});
