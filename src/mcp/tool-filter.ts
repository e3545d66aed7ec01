import { TOOLSETS, type AnyTool, type Toolset } from './define-tool.js';

/**
 * Which tools a caller is shown and may call, beyond their role: some toolsets only, and/or only
 * tools that change nothing (their own `readOnlyHint`). A user's record and the URL a client
 * connects with (`/mcp?toolsets=hosts,exec&readonly=true`) each narrow it; neither widens it.
 */
export interface ToolFilter {
  /** Absent: every toolset. */
  readonly toolsets?: readonly Toolset[];
  readonly readOnly?: boolean;
}

export function isToolset(name: string): name is Toolset {
  return (TOOLSETS as readonly string[]).includes(name);
}

export function passes(tool: AnyTool, filter: ToolFilter): boolean {
  return (
    (!filter.toolsets || filter.toolsets.includes(tool.toolset)) &&
    (!filter.readOnly || tool.annotations.readOnlyHint)
  );
}

/** What both filters let through. */
export function narrowed(a: ToolFilter, b: ToolFilter): ToolFilter {
  const [x, y] = [a.toolsets, b.toolsets];
  const toolsets = x && y ? x.filter((t) => y.includes(t)) : (x ?? y);
  const readOnly = a.readOnly === true || b.readOnly === true;
  return { ...(toolsets ? { toolsets } : {}), ...(readOnly ? { readOnly } : {}) };
}

/** A user's own narrowing, as their record keeps it (names no longer known are ignored). */
export function userFilter(user: {
  readonly toolsets?: readonly string[];
  readonly readOnly?: boolean;
}): ToolFilter {
  return {
    ...(user.toolsets ? { toolsets: TOOLSETS.filter((t) => user.toolsets?.includes(t)) } : {}),
    ...(user.readOnly ? { readOnly: true } : {}),
  };
}

/**
 * The narrowing a URL asks for: `toolsets` (comma-separated names) and `readonly`
 * (`true`/`1`/`false`/`0`); an error saying what to write instead when it names what is not there.
 */
export function filterFromQuery(query: URLSearchParams): ToolFilter | { readonly error: string } {
  const filter: { toolsets?: Toolset[]; readOnly?: boolean } = {};
  const toolsets = query.get('toolsets');
  if (toolsets !== null) {
    const names = toolsets
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n.length > 0);
    const unknown = names.filter((n) => !isToolset(n));
    if (unknown.length > 0 || names.length === 0)
      return {
        error: `toolsets=${toolsets.slice(0, 200)} ${unknown.length > 0 ? `names unknown toolsets (${unknown.join(', ').slice(0, 200)})` : 'names no toolset'}; use a comma-separated list of ${TOOLSETS.join(', ')}, or leave it out for all`,
      };
    // Each named once, in one order: every URL for the same list is the same filter (and the
    // lists kept per filter stay a few hundred).
    filter.toolsets = TOOLSETS.filter((t) => names.includes(t));
  }
  const readOnly = query.get('readonly');
  if (readOnly !== null) {
    if (!['true', '1', 'false', '0', ''].includes(readOnly))
      return {
        error: `readonly=${readOnly.slice(0, 50)} is not a switch; use readonly=true or leave it out`,
      };
    if (readOnly === 'true' || readOnly === '1' || readOnly === '') filter.readOnly = true;
  }
  return filter;
}

/** A filter as a short stable key (tools/list answers are kept per role and filter). */
export function filterKey(filter: ToolFilter): string {
  const sets = filter.toolsets ? TOOLSETS.filter((t) => filter.toolsets?.includes(t)) : undefined;
  return `${sets ? sets.join(',') : '*'}${filter.readOnly ? '|ro' : ''}`;
}

/** A filter in words, for an answer that explains why a tool is missing. */
export function describeFilter(filter: ToolFilter): string {
  const parts = [
    ...(filter.toolsets ? [`toolsets ${filter.toolsets.join(', ') || 'none'}`] : []),
    ...(filter.readOnly ? ['read-only tools'] : []),
  ];
  return parts.length > 0 ? `it shows ${parts.join(' and ')} only` : 'it shows every tool';
}
