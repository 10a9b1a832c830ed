// Every command the CLI knows, in help order.
import type { Command } from '../command-table';
import { cloudCommands } from './cloud';
import { labCommands } from './lab';
import { labSnapshotCommands } from './lab-snapshots';
import { validateCommand } from './validate';
import { vmCommands } from './vm';

export const allCommands: readonly Command[] = [validateCommand, ...labCommands, ...labSnapshotCommands, ...vmCommands, ...cloudCommands];
