import type { FailureMetric, Logger } from '../../core/ports.js';

/** The CloudWatch namespace of the gateway's own metrics. */
export const METRIC_NAMESPACE = 'ssh-mcp-gateway';

/**
 * One JSON object per line on stderr (CloudWatch reads these as structured logs). A counted
 * metric is a line in CloudWatch's embedded metric format, which Lambda's log group turns into a
 * metric with no API call; elsewhere it is one more structured line.
 */
export function jsonLogger(
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Logger {
  const emit = (level: string, message: string, fields?: Record<string, unknown>) =>
    write(JSON.stringify({ time: new Date().toISOString(), level, message, ...fields }));
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    count: (metric: FailureMetric) =>
      emit('metric', metric, {
        _aws: {
          Timestamp: Date.now(),
          CloudWatchMetrics: [
            {
              Namespace: METRIC_NAMESPACE,
              Dimensions: [[]],
              Metrics: [{ Name: metric, Unit: 'Count' }],
            },
          ],
        },
        [metric]: 1,
      }),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {}, count() {} };
