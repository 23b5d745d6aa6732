import { startWebhookListener, type ReceivedEvent, type WebhookListener } from '../../src/webhooks/listener';
import { freePort } from '../../src/dev/servers';

/** A real webhook receiver on loopback that can go down and come back on the same port. */
export class Receiver {
  readonly events: ReceivedEvent[] = [];
  private listener: WebhookListener | undefined;
  private waiters: (() => void)[] = [];
  /** Decides each answer's status (default 200, 400 for a bad signature); every request is recorded either way. */
  respond: (event: ReceivedEvent) => number | undefined = () => undefined;

  private constructor(readonly port: number, private secret: string | undefined) {}

  static async start(secret?: string): Promise<Receiver> {
    const receiver = new Receiver(await freePort(), secret);
    await receiver.up();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  useSecret(secret: string): void {
    this.secret = secret;
  }

  async up(): Promise<void> {
    this.listener = await startWebhookListener({
      port: this.port,
      secret: () => this.secret,
      respond: (event) => this.respond(event),
      onEvent: (event) => {
        this.events.push(event);
        for (const wake of this.waiters.splice(0)) wake();
      },
    });
  }

  async down(): Promise<void> {
    await this.listener?.close();
    this.listener = undefined;
  }

  /** Waits until `count` events for which `match` holds have arrived, or fails after timeoutMs. */
  async waitFor(count: number, match: (event: ReceivedEvent) => boolean = () => true, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const matching = this.events.filter(match);
      if (matching.length >= count) return matching;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} webhook events, got ${matching.length}`);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, Math.min(left, 500));
        this.waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
  }
}
