import ipaddr from 'ipaddr.js';

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Which addresses the gateway may connect to, checked against the address actually connected to
 * (after DNS) before any SSH byte is sent. Deny beats allow; an empty allow list allows all.
 */
export class NetworkPolicy {
  private constructor(
    private readonly allow: readonly { text: string; range: Range }[],
    private readonly deny: readonly { text: string; range: Range }[],
  ) {}

  static readonly OPEN = new NetworkPolicy([], []);

  /** Parses CIDRs (a bare address is a /32 or /128); bad entries become `path: message` problems. */
  static parse(config: { allow: string[]; deny: string[] }, problems: string[]): NetworkPolicy {
    const parse = (list: string[], key: string) =>
      list.flatMap((text, i) => {
        try {
          const address = text.includes('/') ? undefined : ipaddr.parse(text);
          const range: Range = address
            ? [address, address.kind() === 'ipv4' ? 32 : 128]
            : ipaddr.parseCIDR(text);
          return [{ text, range }];
        } catch {
          problems.push(`network.${key}[${i}]: "${text}" is not an IP address or CIDR range`);
          return [];
        }
      });
    return new NetworkPolicy(parse(config.allow, 'allow'), parse(config.deny, 'deny'));
  }

  /** Why connecting to `address` is refused, or undefined when it is allowed. */
  refusal(address: string): string | undefined {
    let ip: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      ip = ipaddr.process(address);
    } catch {
      return `"${address}" is not an IP address`;
    }
    const inRange = (r: Range) => ip.kind() === r[0].kind() && ip.match(r);
    const denied = this.deny.find((d) => inRange(d.range));
    if (denied) return `address ${ip.toString()} is in network.deny (${denied.text})`;
    if (this.allow.length > 0 && !this.allow.some((a) => inRange(a.range)))
      return `address ${ip.toString()} is not in network.allow`;
    return undefined;
  }
}
