import type { ProgramSpec } from '../program-spec.js';

export const SPECS: readonly ProgramSpec[] = [];
