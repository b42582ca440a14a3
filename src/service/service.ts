// The notification service of one target, as Payara ran it: while the notification service, the
// HipChat notifier, the health check service, its HipChat notifier and a checker are all enabled, the
// checker runs at its fixed rate and each result becomes a HipChat notification. Results go through a
// spool on disk and then the same delivery path as send-hipchat-notification (client, shared rate
// limiter, retries), so that nothing is lost on a stop, a crash or an outage.
import { join } from 'node:path';
import { notifierTargetOf } from '../config/notifier-target.js';
import { notificationServiceOf, type HipChatNotifierConfig, type TargetConfig, type TimeUnit } from '../config/schema.js';
import { readConfig } from '../config/store.js';
import { findService, historySettingsOf, thresholdsOf, type HistorySettings, type Thresholds } from '../healthcheck/catalog.js';
import { CHECKER_FACTORIES, LEVEL_OF_STATUS, type Checker, type Level } from '../healthcheck/checkers.js';
import { cumulativeMessages, healthCheckSubject, originSuffix, resultEntryText } from '../healthcheck/payara-format.js';
import { HipChatError, RateLimitError } from '../notifier/errors.js';
import type { Color, RoomNotification } from '../notifier/message.js';
import { NotificationSender } from '../notifier/send.js';
import { MS_PER } from '../util/duration.js';
import { abortableSleep, backoffDelay, MAX_TIMER_MS, type Backoff } from '../util/sleep.js';
import { readReloadRequest, serviceFolder } from './control.js';
import { historyFile, HistoryStore } from './history.js';
import { Spool } from './spool.js';

export type LogLevel = 'INFO' | 'WARNING' | 'SEVERE';

export interface ServiceOptions {
  configPath: string;
  stateDir: string;
  target: string;
  env: NodeJS.ProcessEnv;
  log: (level: LogLevel, message: string) => void;
  spoolLimit?: number;
}

const COLOR_OF_LEVEL: Record<Level, Color> = { SEVERE: 'red', WARNING: 'yellow', INFO: 'green', FINE: 'gray' };
const UNIT_MS: Record<TimeUnit, number> = {
  NANOSECONDS: MS_PER.nanosecond,
  MICROSECONDS: MS_PER.microsecond,
  MILLISECONDS: MS_PER.millisecond,
  SECONDS: MS_PER.second,
  MINUTES: MS_PER.minute,
  HOURS: MS_PER.hour,
  DAYS: MS_PER.day,
};
/** A checker every few nanoseconds would only burn CPU and the rate limit. */
const MIN_PERIOD_MS = 100;
const RELOAD_POLL_MS = 250;
const IDLE_RECHECK_MS = 1000;
/** Between tries while HipChat is down or slow (the sender's own retries come first). */
const RETRY_BACKOFF: Backoff = { firstMs: 1000, maxMs: 30_000, jitter: false };
/** A stop must not wait for a slow HipChat longer than this (SIGTERM exits within 5 s). */
const SERVICE_REQUEST_TIMEOUT_MS = 4000;

interface ScheduledChecker {
  serviceName: string;
  checkerName: string;
  periodMs: number;
  thresholds: Thresholds;
}

/** What the stored configuration asks for. */
interface Plan {
  hipchat: HipChatNotifierConfig | undefined;
  /** Why nothing is sent, when something in the chain is off (spooled notifications wait then). */
  disabled: string[];
  checkers: ScheduledChecker[];
  noisy: boolean;
  /** Where results are also kept for list-historic-healthchecks; undefined while the historical trace is off. */
  history: HistorySettings | undefined;
}

function planOf(section: TargetConfig | undefined, log: ServiceOptions['log']): Plan {
  const hipchat = section?.hipchat;
  const healthcheck = section?.healthcheck;
  const disabled: string[] = [];
  if (!notificationServiceOf(section).enabled) disabled.push('the notification service is disabled (notification-configure --enabled)');
  if (!hipchat) disabled.push('the HipChat notifier is not configured (notification-hipchat-configure)');
  else if (!hipchat.enabled) disabled.push('the HipChat notifier is disabled (notification-hipchat-configure --enabled)');
  if (!healthcheck?.enabled) disabled.push('the health check service is disabled (healthcheck-configure --enabled)');
  if (!healthcheck?.hipchatNotifier?.enabled)
    disabled.push("the health check's HipChat notifier is disabled (healthcheck-hipchat-notifier-configure --enabled)");

  const checkers: ScheduledChecker[] = [];
  for (const [serviceName, checker] of Object.entries(healthcheck?.checkers ?? {})) {
    if (!checker.enabled) continue;
    if (!CHECKER_FACTORIES[serviceName]) {
      log('WARNING', `${serviceName} is enabled but notifier does not provide it: not run`);
      continue;
    }
    const periodMs = Math.min(MAX_TIMER_MS, Math.max(MIN_PERIOD_MS, checker.time * UNIT_MS[checker.unit]));
    // Every checker notifier provides is a percentage checker: it has thresholds.
    checkers.push({
      serviceName,
      checkerName: checker.checkerName,
      periodMs,
      thresholds: thresholdsOf(findService(serviceName), checker)!,
    });
  }
  return {
    hipchat,
    disabled,
    checkers,
    noisy: Boolean(hipchat?.noisy && healthcheck?.hipchatNotifier?.noisy),
    history: historySettingsOf(healthcheck),
  };
}

/**
 * The text Payara posted: the subject with the origin (Message.addIdentifyingInfo), then the checker's
 * name and its result (BaseHealthCheck.sendNotification's "{0}:{1}"). Also the subject and message alone,
 * as the history keeps them.
 */
export function healthNotification(
  target: string,
  checkerName: string,
  result: ReturnType<Checker>,
): { notification: RoomNotification; level: Level; subject: string; message: string } {
  const level = LEVEL_OF_STATUS[result.status];
  const subject = healthCheckSubject(level);
  const message = `${checkerName}:${cumulativeMessages([resultEntryText(result.status, result.message)])}`;
  const text = `${subject}${originSuffix(target)}\n${message}`;
  return { level, subject, message, notification: { message: text, messageFormat: 'text', color: COLOR_OF_LEVEL[level], notify: false } };
}

function senderKey(hipchat: HipChatNotifierConfig): string {
  const { apiUrl, roomName, token, rateLimit, caFile, insecure } = hipchat;
  return JSON.stringify([apiUrl, roomName, token, rateLimit, caFile, insecure]);
}

export class NotificationService {
  private readonly spool: Spool;
  private readonly stopping = new AbortController();
  private plan: Plan = { hipchat: undefined, disabled: [], checkers: [], noisy: false, history: undefined };
  private readonly history: HistoryStore;
  private timers: NodeJS.Timeout[] = [];
  private reloadPoller: NodeJS.Timeout | undefined;
  private lastReloadRequest = '';
  private sender: { key: string; sender: NotificationSender } | undefined;
  private wake: (() => void) | undefined;
  private delivery: Promise<void> | undefined;
  /** Notifications dropped from a full spool and not yet reported in a summary notification. */
  private droppedUnreported = 0;

  constructor(private readonly options: ServiceOptions) {
    this.spool = new Spool(join(serviceFolder(options.stateDir, options.target), 'spool'), options.spoolLimit);
    this.history = new HistoryStore(historyFile(options.stateDir, options.target), (message) => options.log('WARNING', message));
  }

  /** Reads the configuration (a bad one is a ConfigError), starts the checks and the delivery. */
  async start(): Promise<void> {
    this.lastReloadRequest = readReloadRequest(this.options.stateDir, this.options.target);
    const section = await this.readSection();
    if (this.spool.size > 0) this.options.log('INFO', `${this.spool.size} notifications waiting in the spool from before`);
    this.apply(section);
    this.reloadPoller = setInterval(() => void this.pollReloadRequest(), RELOAD_POLL_MS);
    this.delivery = this.deliver();
  }

  /** Stops the checks, lets a request in flight finish, keeps the rest spooled. */
  async stop(): Promise<void> {
    clearInterval(this.reloadPoller);
    this.clearTimers();
    this.stopping.abort(new Error('stopping'));
    this.wake?.();
    await this.delivery;
    await this.sender?.sender.close();
    this.options.log('INFO', `stopped; ${this.spool.size} notifications kept in the spool`);
  }

  private async readSection(): Promise<TargetConfig | undefined> {
    return (await readConfig(this.options.configPath))?.targets[this.options.target];
  }

  private async pollReloadRequest(): Promise<void> {
    const request = readReloadRequest(this.options.stateDir, this.options.target);
    if (request === this.lastReloadRequest) return;
    this.lastReloadRequest = request;
    try {
      this.apply(await this.readSection());
    } catch (error) {
      this.options.log('SEVERE', `configuration change not applied: ${(error as Error).message}`);
    }
  }

  private apply(section: TargetConfig | undefined): void {
    this.clearTimers();
    this.plan = planOf(section, this.options.log);
    if (this.plan.disabled.length > 0) {
      this.options.log('INFO', `configuration applied; nothing will be sent: ${this.plan.disabled.join('; ')}`);
    } else if (this.plan.checkers.length === 0) {
      this.options.log(
        'INFO',
        'configuration applied; no health checker is enabled (healthcheck-configure-service --enabled): nothing new to send',
      );
    } else {
      const summary = this.plan.checkers.map((checker) => `${checker.serviceName} every ${checker.periodMs} ms`).join(', ');
      this.options.log('INFO', `configuration applied; running ${summary}`);
      for (const scheduled of this.plan.checkers) this.schedule(scheduled);
    }
    this.wake?.();
  }

  /** Fixed rate, first run at once. */
  private schedule(scheduled: ScheduledChecker): void {
    const check = CHECKER_FACTORIES[scheduled.serviceName]!(scheduled.thresholds);
    const run = () => this.record(scheduled.checkerName, check());
    run();
    this.timers.push(setInterval(run, scheduled.periodMs));
  }

  private record(checkerName: string, result: ReturnType<Checker>): void {
    const { notification, level, subject, message } = healthNotification(this.options.target, checkerName, result);
    // The history keeps every result, sent or not (as Payara's did).
    if (this.plan.history) this.history.add({ time: Date.now(), level, subject, message }, this.plan.history);
    if (level === 'FINE' && !this.plan.noisy) return;
    const dropped = this.spool.append(notification);
    this.options.log('INFO', `queued: ${notification.message.split('\n').at(-1)}`);
    if (dropped > 0) {
      this.droppedUnreported += dropped;
      this.options.log('WARNING', `spool full: dropped the ${dropped} oldest notification(s)`);
    }
    this.wake?.();
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  private currentSender(hipchat: HipChatNotifierConfig): NotificationSender {
    const key = senderKey(hipchat);
    if (this.sender?.key !== key) {
      void this.sender?.sender.close();
      const sender = new NotificationSender(notifierTargetOf(hipchat), {
        stateDir: this.options.stateDir,
        env: this.options.env,
        signal: this.stopping.signal,
        timeoutMs: SERVICE_REQUEST_TIMEOUT_MS,
      });
      this.sender = { key, sender };
    }
    return this.sender.sender;
  }

  /** Resolves on the next wake-up (a new notification, a reload, a stop) or after a while. */
  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, IDLE_RECHECK_MS);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** The next notification to send, and what to do once it is sent (or refused for good). */
  private nextToSend(): { notification: RoomNotification; done: () => void } | undefined {
    if (this.droppedUnreported > 0) {
      const reported = this.droppedUnreported;
      const notification: RoomNotification = {
        message: `notifier dropped ${reported} health check notification(s) of target ${this.options.target}: its spool was full (limit ${this.spool.limit}) while HipChat could not take them`,
        messageFormat: 'text',
        color: 'red',
        notify: false,
      };
      return { notification, done: () => (this.droppedUnreported -= reported) };
    }
    const item = this.spool.oldest();
    return item && { notification: item.notification, done: () => this.spool.remove(item.sequence) };
  }

  /** Notifications still to send: the spool, and a summary of dropped ones not yet sent. */
  private waiting(): number {
    return this.spool.size + (this.droppedUnreported > 0 ? 1 : 0);
  }

  private async deliver(): Promise<void> {
    let failures = 0;
    while (!this.stopping.signal.aborted) {
      // Spooled notifications wait while the chain is off: they go out when it is on again.
      const hipchat = this.plan.disabled.length === 0 ? this.plan.hipchat : undefined;
      const next = hipchat && this.nextToSend();
      if (!hipchat || !next) {
        await this.idle();
        continue;
      }
      try {
        await this.currentSender(hipchat).send(next.notification);
        next.done();
        failures = 0;
        this.options.log('INFO', `sent: ${next.notification.message.split('\n').at(-1)} (${this.waiting()} waiting)`);
      } catch (error) {
        if (this.stopping.signal.aborted) break;
        if (error instanceof HipChatError && !error.retryable) {
          this.options.log('SEVERE', `${error.message}: notification dropped`);
          next.done();
          continue;
        }
        // HipChat down or slow, the rate limit, or a local problem (an unreadable CA file, say): the
        // notification stays spooled and is tried again later.
        failures++;
        const waitMs = error instanceof RateLimitError ? error.retryAfterMs : backoffDelay(failures, RETRY_BACKOFF);
        this.options.log('WARNING', `${(error as Error).message}; ${this.spool.size} waiting, next try in ${Math.ceil(waitMs / 1000)} s`);
        try {
          await abortableSleep(waitMs, this.stopping.signal);
        } catch {
          break;
        }
      }
    }
  }
}
