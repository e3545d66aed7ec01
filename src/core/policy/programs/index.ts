import type { ProgramSpec } from '../program-spec.js';
import { SPECS as CHANGES } from './changes.js';
import { SPECS as FILES } from './files.js';
import { SPECS as PACKAGES } from './packages.js';
import { SPECS as SYSTEM } from './system.js';
import { SPECS as SYSTEMD } from './systemd.js';

/** Every program the policy knows by its grammar, by name. */
export const PROGRAMS: ReadonlyMap<string, ProgramSpec> = new Map(
  [...FILES, ...SYSTEM, ...SYSTEMD, ...PACKAGES, ...CHANGES].map((spec) => [spec.name, spec]),
);
