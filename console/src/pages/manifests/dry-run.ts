import type { ApiResource } from '../../../../src/contract/discovery';
import { api, isApiError } from '../../api/client';
import { fieldDiff } from './field-diff';
import { submittedDocuments } from './submitted-documents';
import type { ApplyAnswer, DryRun } from './types';

/** `POST /api/v1/apply` with the YAML as sent; `dryRun` writes nothing. */
export function applyYaml(text: string, dryRun: boolean): Promise<ApplyAnswer> {
  return api<ApplyAnswer>('POST', '/apply', {
    query: { dryRun: dryRun ? 'true' : undefined },
    body: text,
    contentType: 'application/yaml',
  });
}

async function liveResource(plural: string, name: string): Promise<unknown> {
  try {
    return await api('GET', `/${encodeURIComponent(plural)}/${encodeURIComponent(name)}`);
  } catch (error) {
    // Deleted between the dry run and this read: nothing live to compare with.
    if (isApiError(error, 404)) return undefined;
    throw error;
  }
}

/**
 * A dry run, then the live version of each document it would configure, compared field by field
 * with the submitted one (the server's answer says what changes, not which fields).
 */
export async function dryRun(text: string, kinds: readonly ApiResource[]): Promise<DryRun> {
  const answer = await applyYaml(text, true);
  const documents = new Map(submittedDocuments(text).map((document) => [document.index, document.value]));
  const diffs = new Map<number, ReturnType<typeof fieldDiff>>();
  await Promise.all(
    answer.items
      .filter((item) => item.result === 'configured')
      .map(async (item) => {
        const plural = kinds.find((kind) => kind.kind === item.kind)?.plural;
        const submitted = documents.get(item.index);
        if (!plural || !submitted) return;
        const live = await liveResource(plural, item.name);
        diffs.set(item.index, fieldDiff(live as Parameters<typeof fieldDiff>[0], submitted));
      }),
  );
  return { text, answer, diffs };
}
