import type { CommandSpec } from './command-spec.js';
import { doctorCommand } from './doctor-command.js';
import { recoverCommand } from './recover-command.js';
import { resumeCommand } from './resume-command.js';
import { rotateCommand } from './rotate-command.js';
import { statusCommand } from './status-command.js';

/** Every command, in the order the help lists them. A new command is one entry here. */
export const COMMANDS: readonly CommandSpec[] = [
  rotateCommand,
  statusCommand,
  resumeCommand,
  recoverCommand,
  doctorCommand,
];

export function findCommand(name: string | undefined): CommandSpec | undefined {
  return COMMANDS.find((command) => command.name === name);
}
