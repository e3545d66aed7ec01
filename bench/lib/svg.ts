import { percentile } from './stats.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** Latency distributions (one dot per sample, p50 and p95 marked) and fan-out bars, as one SVG. */
export function renderChart(input: {
  title: string;
  latency: { label: string; samples: number[] }[];
  fanOut: { hosts: number; bareMs: number; gatewayColdMs: number; gatewayWarmMs: number }[];
}): string {
  const W = 1000;
  const rowH = 34;
  const left = 250;
  // Room on the right for the labels that follow the last dot or the longest bar.
  const plotW = W - left - 130;
  const latencyTop = 60;
  const max = Math.max(...input.latency.flatMap((l) => l.samples)) * 1.05;
  const x = (ms: number) => left + (Math.log10(Math.max(ms, 1)) / Math.log10(max)) * plotW;
  const parts: string[] = [];
  parts.push(`<text x="20" y="30" font-size="18" font-weight="bold">${esc(input.title)}</text>`);
  parts.push(
    `<text x="20" y="52" font-size="13">Latency per call (ms, log scale): each dot a sample; | p50, ¦ p95</text>`,
  );
  input.latency.forEach((l, i) => {
    const y = latencyTop + 20 + i * rowH;
    parts.push(`<text x="20" y="${y + 4}" font-size="13">${esc(l.label)}</text>`);
    parts.push(`<line x1="${left}" y1="${y}" x2="${left + plotW}" y2="${y}" stroke="#ddd"/>`);
    for (const s of l.samples)
      parts.push(
        `<circle cx="${x(s).toFixed(1)}" cy="${y}" r="3" fill="${l.label.includes('gateway') ? '#d2691e' : '#4682b4'}" fill-opacity="0.45"/>`,
      );
    const p50 = percentile(l.samples, 50);
    const p95 = percentile(l.samples, 95);
    parts.push(
      `<line x1="${x(p50)}" y1="${y - 10}" x2="${x(p50)}" y2="${y + 10}" stroke="#000" stroke-width="2"/>`,
    );
    parts.push(
      `<line x1="${x(p95)}" y1="${y - 8}" x2="${x(p95)}" y2="${y + 8}" stroke="#000" stroke-dasharray="2,2"/>`,
    );
    parts.push(
      `<text x="${x(p95) + 6}" y="${y - 6}" font-size="11">${p50.toFixed(1)} / ${p95.toFixed(1)}</text>`,
    );
  });
  const axisY = latencyTop + 20 + input.latency.length * rowH;
  for (const tick of [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000].filter(
    (t) => t <= max,
  )) {
    parts.push(
      `<line x1="${x(tick)}" y1="${axisY - 8}" x2="${x(tick)}" y2="${axisY - 4}" stroke="#666"/><text x="${x(tick)}" y="${axisY + 8}" font-size="10" text-anchor="middle">${tick}</text>`,
    );
  }

  const fanTop = axisY + 40;
  parts.push(
    `<text x="20" y="${fanTop}" font-size="13">Fan-out: wall time for one command on N hosts (ms)</text>`,
  );
  const fanMax =
    Math.max(...input.fanOut.flatMap((f) => [f.bareMs, f.gatewayColdMs, f.gatewayWarmMs])) * 1.1;
  const series: [keyof (typeof input.fanOut)[number], string, string][] = [
    ['bareMs', 'bare ssh2, all parallel (connect+exec)', '#4682b4'],
    ['gatewayColdMs', 'run_command, cold (new connections)', '#d2691e'],
    ['gatewayWarmMs', 'run_command, warm (pooled)', '#f4a460'],
  ];
  input.fanOut.forEach((f, i) => {
    const y0 = fanTop + 20 + i * 80;
    parts.push(`<text x="20" y="${y0 + 30}" font-size="13">${f.hosts} hosts</text>`);
    series.forEach(([key, label, color], j) => {
      const value = f[key];
      const w = (value / fanMax) * (W - left - 330);
      parts.push(
        `<rect x="${left}" y="${y0 + j * 22}" width="${w.toFixed(1)}" height="18" fill="${color}"/>`,
      );
      parts.push(
        `<text x="${left + w + 6}" y="${y0 + j * 22 + 13}" font-size="11">${value.toFixed(0)} ms — ${esc(label)}</text>`,
      );
    });
  });
  const H = fanTop + 20 + input.fanOut.length * 80 + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif"><rect width="100%" height="100%" fill="#fff"/>${parts.join('')}</svg>\n`;
}
