/** `lab.train.gan(opts)`: the GAN training cell (live loss chart, progress bar, sample grids). */
import { trainGanLive } from '../training';

export const train = { gan: trainGanLive };
