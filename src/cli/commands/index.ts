/** The command registry: one module per command, listed here in help order. */
import { Command } from '../command';
import { report } from './report';
import { lab } from './lab';
import { data } from './data';
import { setupKernel } from './setup-kernel';
import { fid } from './fid';
import { fhe } from './fhe';
import { train } from './train';
import { bench } from './bench';
import { dp } from './dp';
import { fl } from './fl';
import { privacy } from './privacy';
import { ckks } from './ckks';
import { notebooks } from './notebooks';
import { exercises } from './exercises';

export const COMMANDS: Command[] = [report, lab, data, setupKernel, fid, fhe, train, dp, fl, privacy, ckks, notebooks, exercises, bench];
