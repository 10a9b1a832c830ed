// Every command the CLI knows, in help order. Later groups (lab, vm, console) are appended here.
import type { Command } from '../command-table';
import { validateCommand } from './validate';

export const allCommands: readonly Command[] = [validateCommand];
