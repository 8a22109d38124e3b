/** The command registry: one module per command, listed here in help order. */
import { Command } from '../command';
import { report } from './report';
import { lab } from './lab';
import { data } from './data';
import { setupKernel } from './setup-kernel';
import { fid } from './fid';
import { fhe } from './fhe';
import { fheDeploy } from './fhe-deploy';
import { train } from './train';
import { bench } from './bench';
import { fl } from './fl';

export const COMMANDS: Command[] = [report, lab, data, setupKernel, fid, fheDeploy, fhe, train, fl, bench];
