import { z } from 'zod';

/** The shared way tools name hosts: exactly one of these. */
export const targetsInput = {
  host: z.string().min(1).optional().describe('One host by name (see list_hosts).'),
  hosts: z.array(z.string().min(1)).min(1).max(1000).optional().describe('Several hosts by name.'),
  tags: z
    .array(z.string().min(1))
    .min(1)
    .max(50)
    .optional()
    .describe('Every host you can access that carries any of these tags.'),
  groups: z
    .array(z.string().min(1))
    .min(1)
    .max(50)
    .optional()
    .describe('Every host you can access in any of these groups.'),
};
