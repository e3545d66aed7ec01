import { describe, expect, it } from 'vitest';
import { METRIC_NAMESPACE, jsonLogger } from '../../../src/adapters/log/json-logger.js';

describe('jsonLogger', () => {
  it('writes a counted failure in CloudWatch’s embedded metric format, one JSON line', () => {
    const lines: string[] = [];
    jsonLogger((line) => lines.push(line)).count('HistoryWriteFailures');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, any>;
    expect(line).toMatchObject({
      level: 'metric',
      message: 'HistoryWriteFailures',
      HistoryWriteFailures: 1,
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: METRIC_NAMESPACE,
            Dimensions: [[]],
            Metrics: [{ Name: 'HistoryWriteFailures', Unit: 'Count' }],
          },
        ],
      },
    });
    // EMF takes the timestamp in epoch milliseconds.
    expect(Math.abs(line._aws.Timestamp - Date.now())).toBeLessThan(5_000);
  });
});
