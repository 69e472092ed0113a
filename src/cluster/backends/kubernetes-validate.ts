/**
 * Checks the Kubernetes objects rookery creates against the Kubernetes API schema before anything is sent or
 * printed: kubernetes-models validates each object against the official OpenAPI definitions (required fields,
 * types, enums, formats such as resource quantities). Field names are the compiler's job: the manifests are
 * typed as @kubernetes/client-node's V1Job/V1Secret, whose excess-property checks reject unknown fields.
 * Loaded lazily: the schemas are a big module that only the kubernetes backend needs.
 */

/** An object as sent to the API server: kind and apiVersion pick the schema. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
}

export class ManifestValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`kubernetes manifests do not match the Kubernetes API schema:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ManifestValidationError';
  }
}

interface SchemaError {
  keyword?: string;
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

type Model = new (data: never) => { validate(): void; apiVersion?: string; kind?: string };

/** The kinds rookery generates, by `apiVersion/kind`. */
async function models(): Promise<Record<string, Model>> {
  const [core, batch] = await Promise.all([import('kubernetes-models/v1'), import('kubernetes-models/batch/v1')]);
  return { 'v1/Secret': core.Secret, 'batch/v1/Job': batch.Job };
}

/** Every schema problem of every object, as `Kind/name: /path message` lines (empty when all are valid). */
export async function manifestProblems(objects: readonly KubeObject[]): Promise<string[]> {
  const byKind = await models();
  const problems: string[] = [];
  for (const obj of objects) {
    const id = `${obj.kind ?? '?'}/${obj.metadata?.name ?? '?'}`;
    const M = byKind[`${obj.apiVersion ?? ''}/${obj.kind ?? ''}`];
    if (!M) {
      problems.push(`${id}: no schema for apiVersion ${JSON.stringify(obj.apiVersion)} kind ${JSON.stringify(obj.kind)}`);
      continue;
    }
    try {
      new M(structuredClone(obj) as never).validate();
    } catch (err) {
      const errors = (err as { errors?: SchemaError[] }).errors;
      if (!Array.isArray(errors)) throw err;
      // A quantity is "a string in quantity format, or a number": keep the format error, not the alternatives'.
      const formatted = new Set(errors.filter((e) => e.keyword === 'format').map((e) => e.instancePath));
      const useful = errors.filter((e) => e.keyword !== 'oneOf' && !(e.keyword === 'type' && formatted.has(e.instancePath)));
      for (const e of useful) problems.push(`${id}: ${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.params?.allowedValues ? ` (${JSON.stringify(e.params.allowedValues)})` : ''}`);
    }
  }
  return [...new Set(problems)];
}

/** Throws ManifestValidationError listing every problem. */
export async function validateManifests(objects: readonly KubeObject[]): Promise<void> {
  const problems = await manifestProblems(objects);
  if (problems.length > 0) throw new ManifestValidationError(problems);
}
