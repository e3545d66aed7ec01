/** Where this server is, as the client sees it: the issuer (RFC 8414) and the MCP resource (RFC 9728). */
export interface ServerUrls {
  readonly issuer: string;
  readonly resource: string;
}

/**
 * True when a client's `resource` names our MCP resource: exactly, with a trailing slash, or as
 * the bare origin (clients differ in which they send; all mean this endpoint), with scheme and
 * host in any case (RFC 3986 §6.2.2.1). Tokens always carry the canonical resource URL as their
 * audience.
 */
export function namesResource(requested: string, urls: ServerUrls): boolean {
  let normal: string;
  try {
    normal = new URL(requested).href.replace(/\/$/, '');
  } catch {
    return false;
  }
  return normal === urls.resource || normal === urls.issuer;
}
