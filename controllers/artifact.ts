/**
 * Artifact: metadata only. Ready when its spec is complete (version, sha256 digest, size, at least
 * one platform). Signing by the update-signing key and spec immutability come with rollouts.
 */
import type { Controller, ReconcileResult } from '../src/engine/controller.js';
import { ready } from '../src/engine/controller.js';
import type { ArtifactSpec, ArtifactStatus } from '../src/kinds/generated/v1/artifact.js';

export const ArtifactReason = {
  MetadataComplete: 'MetadataComplete',
  MetadataIncomplete: 'MetadataIncomplete',
} as const;

/**
 * Which required metadata is missing or malformed (empty: complete). The schema checks the same on
 * apply; this guards rows stored before a schema change. Pure.
 */
export function missingMetadata(spec: Partial<ArtifactSpec>): string[] {
  const missing: string[] = [];
  if (typeof spec.version !== 'string' || spec.version === '') missing.push('version');
  if (typeof spec.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(spec.digest)) missing.push('digest');
  if (typeof spec.size !== 'number' || spec.size < 0) missing.push('size');
  if (!Array.isArray(spec.platforms) || spec.platforms.length === 0) missing.push('platforms');
  return missing;
}

export function decideArtifact(spec: Partial<ArtifactSpec>): ReconcileResult<ArtifactStatus> {
  const missing = missingMetadata(spec);
  if (missing.length > 0)
    return {
      conditions: [
        ready('False', ArtifactReason.MetadataIncomplete, `missing or invalid: ${missing.join(', ')}`),
      ],
    };
  return {
    conditions: [
      ready('True', ArtifactReason.MetadataComplete, `version ${String(spec.version)} is described`),
    ],
  };
}

export const artifactController: Controller<ArtifactSpec, ArtifactStatus> = {
  kind: 'Artifact',
  async observe() {},
  plan: (artifact) => decideArtifact(artifact.spec),
};
