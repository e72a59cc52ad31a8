import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { tryLoadConfig } from '../../src/core/config/load.js';
import { ServerConfig } from '../../src/core/config/schema.js';
import { DEPLOY_MARGIN_S } from '../../src/core/config/shutdown.js';
import { ROOT, runbookCommands, runbookText, specCommands } from '../helpers/runbook.js';
import { tempDir } from '../helpers/tmp.js';
import { typeCheckLiterals } from '../helpers/typecheck.js';

const K8S = join(ROOT, 'deploy/k8s');

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML until validated below
type Manifest = { file: string; doc: any };

const manifests: Manifest[] = readdirSync(K8S)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(K8S, file), 'utf8'))
      .map((d) => d.toJS())
      .filter((doc) => doc !== null)
      .map((doc) => ({ file, doc })),
  );

/** Kind → the kubernetes-models class (ajv validators compiled from the Kubernetes OpenAPI schema) and its type. */
const MODELS: Record<string, { model: new (d: never) => { validate(): void }; type: string; from: string }> =
  {
    'apps/v1/Deployment': { model: Deployment, type: 'IDeployment', from: 'apps/v1/Deployment' },
    'v1/Service': { model: Service, type: 'IService', from: 'v1/Service' },
    'v1/ConfigMap': { model: ConfigMap, type: 'IConfigMap', from: 'v1/ConfigMap' },
    'v1/Secret': { model: Secret, type: 'ISecret', from: 'v1/Secret' },
    'policy/v1/PodDisruptionBudget': {
      model: PodDisruptionBudget,
      type: 'IPodDisruptionBudget',
      from: 'policy/v1/PodDisruptionBudget',
    },
  };
const key = (m: Manifest) => `${m.doc.apiVersion}/${m.doc.kind}`;
const find = (kind: string, name: string) =>
  manifests.find((m) => m.doc.kind === kind && m.doc.metadata?.name === name)?.doc;
const deployments = manifests.filter((m) => m.doc.kind === 'Deployment').map((m) => m.doc);
// biome-ignore lint/suspicious/noExplicitAny: a container of an untyped manifest
const container = (d: any, name: string): any =>
  d.spec.template.spec.containers.find((c: { name: string }) => c.name === name);
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

const tmp = tempDir('mahavishnu-k8s-');
afterAll(() => tmp.remove());

describe('Kubernetes manifests (deploy/k8s)', () => {
  it('has the expected objects', () => {
    expect(manifests.map((m) => `${m.doc.kind}/${m.doc.metadata.name}`).sort()).toEqual([
      'ConfigMap/mahavishnu-settings',
      'Deployment/mahavishnu',
      'Deployment/mahavishnu-canary',
      'Deployment/mahavishnu-green',
      'PodDisruptionBudget/mahavishnu',
      'Secret/mahavishnu-secrets',
      'Service/mahavishnu',
    ]);
  });

  it.each(manifests.map((m) => [`${m.file} ${m.doc.kind}/${m.doc.metadata?.name}`, m] as const))(
    '%s is valid against the Kubernetes API schema',
    (_, m) => {
      const entry = MODELS[key(m)];
      expect(entry, `no schema for ${key(m)}`).toBeDefined();
      expect(() => new entry!.model(m.doc as never).validate()).not.toThrow();
    },
  );

  it('schema validation rejects a broken manifest (the check is not vacuous)', () => {
    const bad = structuredClone(find('Deployment', 'mahavishnu'));
    bad.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
    expect(() => new Deployment(bad).validate()).toThrow(/containerPort/);
  });

  // The OpenAPI schemas allow unknown fields (kubectl's strict field validation rejects them):
  // type-check every manifest as an object literal of its API type, so a misspelt field fails.
  it('has no unknown or misspelt fields (strict check against the API types)', () => {
    const broken = structuredClone(manifests.find((m) => m.doc.kind === 'Service')!);
    broken.doc.spec.selektor = { app: 'x' };
    const diagnostics = typeCheckLiterals(
      Object.values(MODELS).map((t) => `import type { ${t.type} } from 'kubernetes-models/${t.from}';`),
      [...manifests, broken].map((m) => ({ type: MODELS[key(m)]!.type, value: m.doc })),
    );
    expect(diagnostics.filter((d) => !d.includes('selektor'))).toEqual([]);
    expect(diagnostics.filter((d) => d.includes('selektor'))).toHaveLength(1);
  });

  it('has what the kubectl commands of the spec and of runbooks/ name (set image, patch, scale, wait, canary file)', () => {
    const kubectl = [...specCommands('kubectl'), ...runbookCommands(runbookText(), 'kubectl')];
    expect(specCommands('kubectl').length).toBeGreaterThan(5);
    const service = find('Service', 'mahavishnu');
    for (const line of kubectl) {
      const setImage = line.match(/set image deployment\/([\w-]+) ([\w-]+)=/);
      if (setImage) {
        const d = find('Deployment', setImage[1]!);
        expect(d, line).toBeDefined();
        expect(container(d, setImage[2]!), line).toBeDefined();
      }
      const patch = line.match(/patch svc ([\w-]+) .*-p '(.+)'/);
      if (patch) {
        expect(patch[1]).toBe('mahavishnu');
        const selector = { ...service.spec.selector, ...JSON.parse(patch[2]!).spec.selector };
        // after the patch the Service must still select a Deployment's pods (the other colour)
        const selected = deployments.filter((d) => matches(selector, d.spec.template.metadata.labels));
        expect(selected.length, line).toBeGreaterThan(0);
      }
      const scale = line.match(/scale deployment ([\w-]+)/);
      if (scale) expect(find('Deployment', scale[1]!), line).toBeDefined();
      const wait = line.match(/wait .*-l (\w+)=([\w-]+)/);
      if (wait)
        for (const d of deployments) expect(d.spec.template.metadata.labels[wait[1]!], line).toBe(wait[2]);
      const apply = line.match(/apply -f (?:deploy\/)?k8s\/([\w.-]+\.ya?ml)/);
      if (apply) expect(readdirSync(K8S), line).toContain(apply[1]);
    }
    expect(kubectl.some((l) => l.includes('set image'))).toBe(true);
    expect(kubectl.some((l) => l.includes('patch svc'))).toBe(true);
    expect(kubectl.some((l) => /apply -f (deploy\/)?k8s\/canary/.test(l))).toBe(true);
  });

  it('selects blue now and green after the patch, each colour with its own Deployment', () => {
    const selector = find('Service', 'mahavishnu').spec.selector;
    expect(selector).toMatchObject({ app: 'mahavishnu', version: 'blue' });
    for (const colour of ['blue', 'green']) {
      const s = { ...selector, version: colour };
      const names = deployments.filter((d) => matches(s, d.spec.template.metadata.labels));
      expect(names.map((d) => d.metadata.name)).toContain(
        colour === 'blue' ? 'mahavishnu' : 'mahavishnu-green',
      );
    }
    // the canary takes a share of the live colour's traffic
    expect(matches(selector, find('Deployment', 'mahavishnu-canary').spec.template.metadata.labels)).toBe(
      true,
    );
    // no two Deployments own the same pods
    for (const a of deployments)
      for (const b of deployments)
        if (a !== b)
          expect(matches(a.spec.selector.matchLabels, b.spec.template.metadata.labels)).toBe(false);
  });

  it('uses the probes of runbooks/health-checks.md on port 8080 and the same pod spec in every Deployment', () => {
    const text = readFileSync(join(ROOT, 'runbooks/health-checks.md'), 'utf8');
    const probes = text.match(/livenessProbe:[\s\S]*?periodSeconds: (\d+)[\s\S]*?readinessProbe:[\s\S]*?```/);
    expect(probes).not.toBeNull();
    const block = probes![0];
    const [live, ready] = block.split('readinessProbe:') as [string, string];
    const num = (s: string, k: string) => Number(s.match(new RegExp(`${k}: (\\d+)`))![1]);
    const main = find('Deployment', 'mahavishnu');
    const c = container(main, 'mahavishnu');
    expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 8080 });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 8080 });
    expect(c.livenessProbe.initialDelaySeconds).toBe(num(live, 'initialDelaySeconds'));
    expect(c.livenessProbe.periodSeconds).toBe(num(live, 'periodSeconds'));
    expect(c.readinessProbe.initialDelaySeconds).toBe(num(ready, 'initialDelaySeconds'));
    expect(c.readinessProbe.periodSeconds).toBe(num(ready, 'periodSeconds'));
    expect(c.ports).toContainEqual({ name: 'http', containerPort: 8080, protocol: 'TCP' });
    for (const d of deployments) expect(d.spec.template.spec).toEqual(main.spec.template.spec);
  });

  it('runs as non-root with a grace period of preStop plus the shutdown budget plus margin', () => {
    const pod = find('Deployment', 'mahavishnu').spec.template.spec;
    const c = container(find('Deployment', 'mahavishnu'), 'mahavishnu');
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    expect(c.resources.requests).toBeDefined();
    expect(c.resources.limits.memory).toBe('4Gi');
    const { config } = loadPodSettings();
    const preStop = Number(c.lifecycle.preStop.exec.command[1]);
    // the budget the pods run with is the setting's default, and the grace period is derived from it
    expect(config.server.shutdown_budget_s).toBe(ServerConfig.parse({}).shutdown_budget_s);
    for (const d of deployments)
      expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(
        preStop + config.server.shutdown_budget_s + DEPLOY_MARGIN_S,
      );
  });

  it('ConfigMap, Secret and env load as valid settings through the real loader', () => {
    const { config, secretKeys } = loadPodSettings();
    expect(secretKeys.every((k) => k.startsWith('MAHAVISHNU_'))).toBe(true);
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.server.port).toBe(8080);
    expect(config.data.dir).toBe('/var/lib/mahavishnu');
    expect(config.database.url).toMatch(/^postgres:\/\//);
    const c = container(find('Deployment', 'mahavishnu'), 'mahavishnu');
    const mounts = Object.fromEntries(
      c.volumeMounts.map((m: { name: string; mountPath: string }) => [m.name, m]),
    );
    expect(mounts.settings.mountPath).toBe(envOf(c).MAHAVISHNU_CONFIG_DIR);
    expect(mounts.data.mountPath).toBe(config.data.dir);
    const vol = find('Deployment', 'mahavishnu').spec.template.spec.volumes.find(
      (v: { name: string }) => v.name === 'settings',
    );
    expect(vol.configMap.name).toBe('mahavishnu-settings');
    expect(c.envFrom).toEqual([{ secretRef: { name: 'mahavishnu-secrets' } }]);
  });

  it('has a PodDisruptionBudget covering every mahavishnu pod', () => {
    const pdb = find('PodDisruptionBudget', 'mahavishnu');
    for (const d of deployments)
      expect(matches(pdb.spec.selector.matchLabels, d.spec.template.metadata.labels)).toBe(true);
  });
});

// biome-ignore lint/suspicious/noExplicitAny: a container from untyped YAML
function envOf(c: any): Record<string, string> {
  return Object.fromEntries(c.env.map((e: { name: string; value: string }) => [e.name, e.value]));
}

/** The settings a pod sees: the ConfigMap's file as the settings folder, the Secret and env as variables. */
function loadPodSettings() {
  const dir = join(tmp.path, 'settings');
  mkdirSync(dir, { recursive: true });
  const cm = find('ConfigMap', 'mahavishnu-settings');
  for (const [name, body] of Object.entries(cm.data)) writeFileSync(join(dir, name), body as string);
  const secret = find('Secret', 'mahavishnu-secrets').stringData as Record<string, string>;
  const env = { ...envOf(container(find('Deployment', 'mahavishnu'), 'mahavishnu')), ...secret };
  const { loaded, problems } = tryLoadConfig({ dir, env });
  expect(problems).toEqual([]);
  return { config: loaded!.config, secretKeys: Object.keys(secret) };
}
