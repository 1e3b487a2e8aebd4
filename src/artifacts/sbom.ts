/**
 * What an SBOM upload must be (issue #15): a JSON document of one of the two formats devices and
 * scanners read, SPDX (2.x JSON) or CycloneDX (JSON), recognised by its media type or, sent as
 * plain `application/json`, by its top-level fields. Only the top-level shape is checked: enough to
 * refuse a wrong file (a manifest, a lock file, the other format under the wrong type), not a full
 * schema validation that would lag each format's new versions. Pure.
 */
import type { FieldProblem } from '../errors.js';

export type SbomFormat = 'spdx' | 'cyclonedx';

/** The media type of each format (IANA-registered), which a stored SBOM is served with. */
export const SBOM_CONTENT_TYPES: Readonly<Record<SbomFormat, string>> = {
  spdx: 'application/spdx+json',
  cyclonedx: 'application/vnd.cyclonedx+json',
};

/** The media types an upload may carry; `application/json` leaves the format to detection. */
export const SBOM_UPLOAD_TYPES = [...Object.values(SBOM_CONTENT_TYPES), 'application/json'] as const;

/** The largest SBOM kept (5 MiB): ample for the dependency tree of an OS image. */
export const SBOM_MAX_BYTES = 5 * 1024 * 1024;

/** The media type of a Content-Type header, lower-case and without parameters. Pure. */
export function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0].trim().toLowerCase();
}

/** The format a media type names; undefined for `application/json` (detect) and anything else. Pure. */
export function formatOfMediaType(mediaType: string): SbomFormat | undefined {
  for (const [format, type] of Object.entries(SBOM_CONTENT_TYPES))
    if (type === mediaType) return format as SbomFormat;
  return undefined;
}

/** Which format a parsed document looks like, by its tell-tale field. Pure. */
export function detectFormat(document: Record<string, unknown>): SbomFormat | undefined {
  if (document.bomFormat !== undefined) return 'cyclonedx';
  if (document.spdxVersion !== undefined) return 'spdx';
  return undefined;
}

const isString = (value: unknown): value is string => typeof value === 'string' && value !== '';

function spdxProblems(document: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!isString(document.spdxVersion) || !document.spdxVersion.startsWith('SPDX-'))
    problems.push({
      pointer: '/spdxVersion',
      message: 'must be a string starting with "SPDX-" (e.g. "SPDX-2.3")',
    });
  if (document.SPDXID !== 'SPDXRef-DOCUMENT')
    problems.push({
      pointer: '/SPDXID',
      message: 'must be "SPDXRef-DOCUMENT" (the document’s own identifier)',
    });
  if (!isString(document.name)) problems.push({ pointer: '/name', message: 'must be a non-empty string' });
  if (!isString(document.dataLicense))
    problems.push({
      pointer: '/dataLicense',
      message: 'must be a non-empty string (SPDX documents use "CC0-1.0")',
    });
  if (!isString(document.documentNamespace))
    problems.push({
      pointer: '/documentNamespace',
      message: 'must be a non-empty string (a URI unique to this document)',
    });
  const creation = document.creationInfo as Record<string, unknown> | undefined;
  if (creation === null || typeof creation !== 'object' || Array.isArray(creation))
    problems.push({ pointer: '/creationInfo', message: 'must be an object with `created` and `creators`' });
  else {
    if (!isString(creation.created))
      problems.push({
        pointer: '/creationInfo/created',
        message: 'must be a non-empty string (a date-time)',
      });
    if (!Array.isArray(creation.creators) || creation.creators.length === 0)
      problems.push({ pointer: '/creationInfo/creators', message: 'must be a non-empty array' });
  }
  if (document.packages !== undefined && !Array.isArray(document.packages))
    problems.push({ pointer: '/packages', message: 'must be an array when present' });
  return problems;
}

function cycloneDxProblems(document: Record<string, unknown>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (document.bomFormat !== 'CycloneDX')
    problems.push({ pointer: '/bomFormat', message: 'must be "CycloneDX"' });
  if (!isString(document.specVersion) || !/^1\.\d+$/.test(document.specVersion))
    problems.push({ pointer: '/specVersion', message: 'must be a string such as "1.5"' });
  if (
    document.version !== undefined &&
    !(Number.isInteger(document.version) && (document.version as number) >= 1)
  )
    problems.push({ pointer: '/version', message: 'must be an integer of at least 1 when present' });
  if (document.components !== undefined && !Array.isArray(document.components))
    problems.push({ pointer: '/components', message: 'must be an array when present' });
  return problems;
}

/** What `checkSbom` found: the format, or why the text is not one. */
export type SbomCheck =
  | { ok: true; format: SbomFormat }
  | { ok: false; status: 'malformed'; message: string }
  | { ok: false; status: 'invalid'; message: string; problems: FieldProblem[] };

/**
 * Checks an upload's text against the format its media type names (`declared`), or the one its
 * fields reveal when `declared` is undefined (`application/json`). Every problem is named at once,
 * at its JSON pointer. Pure.
 */
export function checkSbom(text: string, declared: SbomFormat | undefined): SbomCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { ok: false, status: 'malformed', message: `the SBOM is not JSON: ${(error as Error).message}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    return {
      ok: false,
      status: 'invalid',
      message: 'the SBOM must be a JSON object (an SPDX or CycloneDX document)',
      problems: [{ pointer: '', message: 'must be an object' }],
    };
  const document = parsed as Record<string, unknown>;
  const detected = detectFormat(document);
  const format = declared ?? detected;
  if (!format)
    return {
      ok: false,
      status: 'invalid',
      message:
        'the SBOM is neither SPDX (no "spdxVersion") nor CycloneDX (no "bomFormat"); send it as application/spdx+json or application/vnd.cyclonedx+json',
      problems: [{ pointer: '', message: 'has neither "spdxVersion" nor "bomFormat"' }],
    };
  const problems = format === 'spdx' ? spdxProblems(document) : cycloneDxProblems(document);
  if (problems.length > 0) {
    const sentAs = declared ? ` sent as ${SBOM_CONTENT_TYPES[declared]}` : '';
    const other =
      declared && detected && detected !== declared
        ? ` (it looks like ${detected === 'spdx' ? 'SPDX' : 'CycloneDX'})`
        : '';
    return {
      ok: false,
      status: 'invalid',
      message: `not a valid ${format === 'spdx' ? 'SPDX' : 'CycloneDX'} JSON document${sentAs}${other}: ${problems.map((problem) => `${problem.pointer} ${problem.message}`).join('; ')}`,
      problems,
    };
  }
  return { ok: true, format };
}
