// Every command of the CLI, one module each. A module only declares flags and calls its stage
// (imported lazily inside the action, so that `outreach --help` stays fast).
import type { Command } from 'commander';
import { register as init } from './init.js';
import { register as db } from './db.js';
import { register as leads } from './leads.js';
import { register as suppress } from './suppress.js';
import { register as discover } from './discover.js';
import { register as enrich } from './enrich.js';
import { register as score } from './score.js';
import { register as campaign } from './campaign.js';
import { register as draft } from './draft.js';
import { register as mailbox } from './mailbox.js';
import { register as send } from './send.js';
import { register as doctor } from './doctor.js';
import { register as inbox } from './inbox.js';
import { register as report } from './report.js';
import { register as serve } from './serve.js';
import { register as run } from './run.js';
import { register as demo } from './demo.js';

export function registerAll(program: Command): void {
  for (const register of [init, db, leads, suppress, discover, enrich, score, campaign, draft, mailbox, send, doctor, inbox, report, serve, run, demo]) {
    register(program);
  }
}
