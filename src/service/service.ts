// The notification service of one target, as Payara ran it: while the notification service, the
// HipChat notifier, the health check service, its HipChat notifier and a checker are all enabled, the
// checker runs at its fixed rate and each result becomes a HipChat notification. Results go through a
// spool on disk and then the same delivery path as send-hipchat-notification (client, shared rate
// limiter, retries), so that nothing is lost on a stop, a crash or an outage.
import { notifierTargetOf } from '../config/notifier-target.js';
import { notificationServiceOf, type HipChatNotifierConfig, type TargetConfig, type TimeUnit } from '../config/schema.js';
import { readConfig } from '../config/store.js';
import { findService, historySettingsOf, thresholdsOf, type HistorySettings, type Thresholds } from '../healthcheck/catalog.js';
import { CHECKER_FACTORIES, LEVEL_OF_STATUS, type Checker, type Level } from '../healthcheck/checkers.js';
import { cumulativeMessages, healthCheckSubject, originSuffix, resultEntryText } from '../healthcheck/payara-format.js';
import { HipChatError, RateLimitError } from '../notifier/errors.js';
import type { Color, RoomNotification } from '../notifier/message.js';
import { NotificationSender, type NotifierTarget, type SendOptions } from '../notifier/send.js';
import { waitingFor, type WaitReason } from '../notifier/waits.js';
import { formatDuration, MS_PER } from '../util/duration.js';
import { describeErrno } from '../util/errno.js';
import { abortableSleep, backoffDelay, MAX_TIMER_MS, type Backoff } from '../util/sleep.js';
import { asServiceError, prepareServiceFolder, readReloadRequest, type ServiceId } from './control.js';
import { ServiceError } from './errors.js';
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
  /** What sends to HipChat; default a NotificationSender (tests give one that fails in a chosen way). */
  createSender?: (target: NotifierTarget, options: SendOptions) => Sender;
}

/** The part of NotificationSender the service uses. */
export type Sender = Pick<NotificationSender, 'send' | 'close'>;

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
/**
 * The longest the service waits before asking again, whatever a rate-limit answer said (a far-future or
 * absurd reset must neither stop it for days nor overflow a timer): HipChat's windows are shorter.
 */
const MAX_RETRY_WAIT_MS = 15 * MS_PER.minute;
/** Between tries to write a spool that refused a write (disk full, read-only, permissions). */
const SPOOL_RETRY_BACKOFF: Backoff = { firstMs: 1000, maxMs: 30_000, jitter: false };
/** A wait at least this long is logged with its reason: otherwise a log would look like a hang. */
const WAIT_LOG_MIN_MS = 5000;
/** Drops that go on after a summary (results faster than the rate limit) are summed into the next, at most one this often. */
const SUMMARY_INTERVAL_MS = MS_PER.minute;
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
    // Own keys only: a checker named 'constructor' is not Object's.
    if (!Object.hasOwn(CHECKER_FACTORIES, serviceName)) {
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
  const { apiUrl, roomName, token, rateLimit, caFile, insecure, rateLimitStore } = hipchat;
  return JSON.stringify([apiUrl, roomName, token, rateLimit, caFile, insecure, rateLimitStore]);
}

/** '2026-11-26T11:12:41Z': when a wait of `ms` from now ends. */
function clockAfter(ms: number): string {
  return new Date(Date.now() + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function notifications(count: number): string {
  return `${count} notification${count === 1 ? '' : 's'}`;
}

export class NotificationService {
  private readonly id: ServiceId;
  private readonly spool: Spool;
  private readonly spoolPath: string;
  private readonly stopping = new AbortController();
  private plan: Plan = { hipchat: undefined, disabled: [], checkers: [], noisy: false, history: undefined };
  private readonly history: HistoryStore;
  private timers: NodeJS.Timeout[] = [];
  private reloadPoller: NodeJS.Timeout | undefined;
  private lastReloadRequest = '';
  private lastPollProblem = '';
  private sender: { key: string; sender: Sender } | undefined;
  private wake: (() => void) | undefined;
  private delivery: Promise<void> | undefined;
  /** Failed tries in a row to write the spool, and the timer of the next. */
  private spoolFailures = 0;
  private spoolRetry: NodeJS.Timeout | undefined;
  /** Set while a summary of dropped notifications was sent less than SUMMARY_INTERVAL_MS ago. */
  private summaryPause: NodeJS.Timeout | undefined;

  /** Makes (and checks) the service's folders and opens its spool; a ServiceError when they cannot be used. */
  constructor(private readonly options: ServiceOptions) {
    this.id = { stateDir: options.stateDir, configPath: options.configPath, target: options.target };
    this.spoolPath = prepareServiceFolder(this.id, 'spool');
    const log = options.log;
    try {
      this.spool = new Spool(this.spoolPath, options.spoolLimit, {
        badItem: (file, reason, movedTo) =>
          log(
            'WARNING',
            `spool item ${file} cannot be read (${reason}): ${movedTo ? `moved to ${movedTo}` : 'it could not be moved aside either, so it is skipped'}`,
          ),
      });
    } catch (error) {
      const converted = asServiceError(error);
      throw converted instanceof ServiceError
        ? converted
        : new ServiceError(`Cannot use the spool folder ${this.spoolPath}: ${describeErrno(error)}`);
    }
    this.history = new HistoryStore(historyFile(this.id), (message) => options.log('WARNING', message));
  }

  /** Reads the configuration (a bad one is a ConfigError), starts the checks and the delivery. */
  async start(): Promise<void> {
    this.lastReloadRequest = this.readReloadRequest();
    const section = await this.readSection();
    if (this.spool.size > 0) this.options.log('INFO', `${this.spool.size} notifications waiting in the spool from before`);
    if (this.spool.dropped > 0)
      this.options.log(
        'INFO',
        `${notifications(this.spool.dropped)} dropped before this start, not yet reported: a summary will tell the room`,
      );
    this.apply(section);
    this.reloadPoller = setInterval(() => void this.pollReloadRequest(), RELOAD_POLL_MS);
    this.delivery = this.deliver();
  }

  /** Stops the checks, lets a request in flight finish, keeps the rest spooled. */
  async stop(): Promise<void> {
    clearInterval(this.reloadPoller);
    this.clearTimers();
    clearTimeout(this.spoolRetry);
    clearTimeout(this.summaryPause);
    this.stopping.abort(new Error('stopping'));
    this.wake?.();
    await this.delivery;
    await this.sender?.sender.close();
    const error = this.spool.dirty ? this.spool.flush() : undefined;
    const lost = this.spool.unwritten;
    if (error !== undefined && lost > 0)
      this.options.log('SEVERE', `${notifications(lost)} could not be written to the spool (${describeErrno(error)}) and are lost`);
    this.options.log('INFO', `stopped; ${this.spool.size - lost} notifications kept in the spool`);
  }

  private async readSection(): Promise<TargetConfig | undefined> {
    const config = await readConfig(this.options.configPath, { warn: (text) => this.options.log('WARNING', text) });
    // Own keys only: a target named 'constructor' or '__proto__' is a target like any other.
    return config && Object.hasOwn(config.targets, this.options.target) ? config.targets[this.options.target] : undefined;
  }

  private readReloadRequest(): string {
    try {
      const request = readReloadRequest(this.id);
      this.lastPollProblem = '';
      return request;
    } catch (error) {
      const problem = (error as Error).message;
      // Once, not every quarter of a second.
      if (problem !== this.lastPollProblem) this.options.log('WARNING', `reload requests cannot be read: ${problem}`);
      this.lastPollProblem = problem;
      return this.lastReloadRequest;
    }
  }

  private async pollReloadRequest(): Promise<void> {
    const request = this.readReloadRequest();
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

  /** Fixed rate, first run at once; a checker that measures an interval first reports after one period. */
  private schedule(scheduled: ScheduledChecker): void {
    const check = CHECKER_FACTORIES[scheduled.serviceName]!(scheduled.thresholds);
    const run = () => {
      // A timer's exception would end the process (and leave the pid file): log it instead.
      try {
        this.record(scheduled.checkerName, check());
      } catch (error) {
        this.options.log('SEVERE', `${scheduled.serviceName} failed: ${(error as Error).message}`);
      }
    };
    if (!check.overInterval) run();
    this.timers.push(setInterval(run, scheduled.periodMs));
  }

  private record(checkerName: string, result: ReturnType<Checker>): void {
    const { notification, level, subject, message } = healthNotification(this.options.target, checkerName, result);
    // The history keeps every result, sent or not (as Payara's did).
    if (this.plan.history) this.history.add({ time: Date.now(), level, subject, message }, this.plan.history);
    if (level === 'FINE' && !this.plan.noisy) return;
    const { dropped, error } = this.spool.append(notification);
    this.options.log('INFO', `queued: ${notification.message.split('\n').at(-1)}`);
    if (dropped > 0) this.options.log('WARNING', `spool full: dropped the ${dropped} oldest notification(s)`);
    this.afterSpoolChange(error);
    this.wake?.();
  }

  /**
   * After a change of the spool: a write or deletion that failed is logged, and whatever waits to be
   * written (or deleted) is tried again later; never thrown, so that a full or read-only disk never ends
   * the service.
   */
  private afterSpoolChange(error: unknown): void {
    // A retry already due takes care of this one too.
    if (this.spoolRetry !== undefined || this.stopping.signal.aborted || !this.spool.dirty) return;
    this.spoolFailures++;
    const delayMs = backoffDelay(this.spoolFailures, SPOOL_RETRY_BACKOFF);
    if (error !== undefined) {
      const unwritten = this.spool.unwritten;
      const kept = unwritten > 0 ? `; ${notifications(unwritten)} kept in memory until it can be` : '';
      this.options.log(
        'WARNING',
        `cannot write the spool ${this.spoolPath}: ${describeErrno(error)}${kept}, next try in ${formatDuration(delayMs)}`,
      );
    }
    this.spoolRetry = setTimeout(() => this.flushSpool(), delayMs);
  }

  private flushSpool(): void {
    this.spoolRetry = undefined;
    const error = this.spool.flush();
    if (error !== undefined) return this.afterSpoolChange(error);
    if (this.spoolFailures > 0) this.options.log('INFO', 'the spool can be written again: every waiting notification is on disk');
    this.spoolFailures = 0;
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  private currentSender(hipchat: HipChatNotifierConfig): Sender {
    const key = senderKey(hipchat);
    if (this.sender?.key !== key) {
      void this.sender?.sender.close();
      const options: SendOptions = {
        stateDir: this.options.stateDir,
        env: this.options.env,
        signal: this.stopping.signal,
        timeoutMs: SERVICE_REQUEST_TIMEOUT_MS,
        onWait: (waitMs, reason, about) => this.logWait(waitMs, reason, about),
      };
      // $NOTIFIER_RATE_LIMIT_STORE wins over the stored store, as it does for the sending commands.
      const override = this.options.env.NOTIFIER_RATE_LIMIT_STORE;
      const target = { ...notifierTargetOf(hipchat), ...(override ? { rateLimitStore: override } : {}) };
      const sender = this.options.createSender?.(target, options) ?? new NotificationSender(target, options);
      this.sender = { key, sender };
    }
    return this.sender.sender;
  }

  /** One line for a wait inside the sender long enough to look like a hang: why, how many wait, until when. */
  private logWait(waitMs: number, reason: WaitReason, about?: string): void {
    if (waitMs < WAIT_LOG_MIN_MS) return;
    // A store that does not answer is tried again until it does: waitMs is the longest it may take.
    const when = reason === 'store' ? 'giving up in' : 'resuming in';
    this.options.log(
      'INFO',
      `holding ${notifications(this.waiting())} back for ${waitingFor(reason, about)}; ${when} ${formatDuration(waitMs)} (at ${clockAfter(waitMs)})`,
    );
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

  /**
   * The next notification to send, and what to do once it is sent (or refused for good). A summary of
   * dropped notifications goes once the spool has room again: HipChat has taken one since the last drop,
   * so the outage is over and its count is complete. One outage, one summary.
   */
  private nextToSend(): { notification: RoomNotification; done: () => void } | undefined {
    const reported = this.spool.dropped;
    if (reported > 0 && this.spool.size < this.spool.limit && this.summaryPause === undefined) {
      const notification: RoomNotification = {
        message: `notifier dropped ${reported} health check notification(s) of target ${this.options.target}: its spool was full (limit ${this.spool.limit}) while HipChat could not take them`,
        messageFormat: 'text',
        color: 'red',
        notify: false,
      };
      const done = () => {
        this.afterSpoolChange(this.spool.reported(reported));
        this.summaryPause = setTimeout(() => {
          this.summaryPause = undefined;
          this.wake?.();
        }, SUMMARY_INTERVAL_MS);
      };
      return { notification, done };
    }
    const item = this.spool.oldest();
    return item && { notification: item.notification, done: () => this.afterSpoolChange(this.spool.remove(item.sequence)) };
  }

  /** Notifications still to send: the spool, and a summary of dropped ones not yet sent. */
  private waiting(): number {
    return this.spool.size + (this.spool.dropped > 0 ? 1 : 0);
  }

  /** How long to wait after a failed try: what a rate-limit answer asks for (within bounds), else a growing backoff. */
  private retryWait(error: unknown, failures: number): number {
    if (error instanceof RateLimitError && !Number.isNaN(error.retryAfterMs) && error.retryAfterMs > 0)
      return Math.min(MAX_RETRY_WAIT_MS, Math.max(RETRY_BACKOFF.firstMs, error.retryAfterMs));
    return backoffDelay(failures, RETRY_BACKOFF);
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
        const waitMs = this.retryWait(error, failures);
        this.options.log(
          'WARNING',
          `${(error as Error).message}; ${this.waiting()} waiting, next try in ${formatDuration(waitMs)} (at ${clockAfter(waitMs)})`,
        );
        try {
          await abortableSleep(waitMs, this.stopping.signal);
        } catch {
          break;
        }
        continue;
      }
      failures = 0;
      next.done();
      this.options.log('INFO', `sent: ${next.notification.message.split('\n').at(-1)} (${this.waiting()} waiting)`);
    }
  }
}
