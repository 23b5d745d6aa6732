import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { CURSOR_PATTERN, type LoggedEvent } from '../events/log';
import type { EventWatch } from '../events/watch';
import { channelIdParam } from '../schemas/management';
import { parseOrThrow } from '../schemas/parse';
import type { EventReaders } from '../services/events/readers';

/**
 * A channel's conversation log, read with the channel token (`Authorization: Bearer <token>`): history and
 * long-poll (`?wait=`) as JSON pages, or a Server-Sent Events stream. README, "Reading the conversation log".
 */
const cursor = z.string().regex(CURSOR_PATTERN, 'a cursor this API answered');

export const eventsQuerySchema = z.strictObject({
  after: cursor.optional().meta({ description: 'Continue after this cursor (opaque; from `cursor` of a page or an event); from the oldest kept event when absent' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  wait: z.coerce.number().int().min(0).max(30).default(0).meta({ description: 'Long-poll: with no event after the cursor, hold the answer up to this many seconds' }),
});

export const streamQuerySchema = z.strictObject({
  after: cursor.optional().meta({ description: 'Start after this cursor, for clients that cannot send Last-Event-ID (the header wins)' }),
});

export const streamHeadersSchema = z.object({
  'last-event-id': cursor.optional().meta({ description: 'The `id:` of the last event received: the stream resumes after it' }),
});

const channelParams = z.object({ channelID: channelIdParam });
const userParams = channelParams.extend({ userID: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

const STREAM_PAGE = 100;

export function eventsRouter(readers: EventReaders, watch: EventWatch): Router {
  const router = Router();
  const { heartbeatMs } = readers.settings;
  const page = async (req: Request, res: Response, userID?: number) => {
    const { channelID } = parseOrThrow(channelParams, req.params, 'path');
    const query = parseOrThrow(eventsQuerySchema, req.query, 'query');
    const { channelKey } = await readers.authenticate(credentialsOf(req, channelID), userID);
    const read = { ...(query.after === undefined ? {} : { after: query.after }), limit: query.limit, ...(userID === undefined ? {} : { userID }) };
    if (query.wait === 0) return void res.json(await readers.read(channelKey, read));
    const release = readers.listen(channelKey);
    const gone = new AbortController();
    res.on('close', () => gone.abort());
    try {
      const answer = await readers.longPoll(channelKey, read, query.wait * 1000, gone.signal);
      if (!gone.signal.aborted) res.json(answer);
    } finally {
      release();
    }
  };
  const stream = async (req: Request, res: Response, userID?: number) => {
    const { channelID } = parseOrThrow(channelParams, req.params, 'path');
    const query = parseOrThrow(streamQuerySchema, req.query, 'query');
    const headers = parseOrThrow(streamHeadersSchema, req.headers, 'headers');
    const { channelKey } = await readers.authenticate(credentialsOf(req, channelID), userID);
    const release = readers.listen(channelKey);
    const watcher = watch.watch(channelKey, userID);
    let open = true;
    const stop = () => {
      open = false;
      watcher.close();
      release();
    };
    res.on('close', stop);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 1000\n\n');
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
    let after = headers['last-event-id'] ?? query.after;
    try {
      while (open) {
        const read = await readers.read(channelKey, { ...(after === undefined ? {} : { after }), limit: STREAM_PAGE, ...(userID === undefined ? {} : { userID }) });
        for (const event of read.events) res.write(frameOf(event));
        after = read.cursor;
        // Read again only when woken (or a full page says there is more): an idle stream costs no queries of its own.
        if (read.events.length < STREAM_PAGE) while (open && !(await watcher.wait(Number(after), heartbeatMs)));
      }
    } catch {
      // A database failure mid-stream: end it; the client reconnects with Last-Event-ID.
    } finally {
      clearInterval(heartbeat);
      stop();
      res.end();
    }
  };
  router.get('/v1/channels/:channelID/events', (req, res) => page(req, res));
  router.get('/v1/channels/:channelID/users/:userID/events', (req, res) => page(req, res, parseOrThrow(userParams, req.params, 'path').userID));
  router.get('/v1/channels/:channelID/events/stream', (req, res) => stream(req, res));
  router.get('/v1/channels/:channelID/users/:userID/events/stream', (req, res) => stream(req, res, parseOrThrow(userParams, req.params, 'path').userID));
  return router;
}

/** One SSE frame: the cursor as `id`, the type as `event`, the envelope as `data` (JSON has no raw newlines). */
export function frameOf(event: LoggedEvent): string {
  return `id: ${event.cursor}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

function credentialsOf(req: Request, channelID: string) {
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  return { channelID, token: match?.[1], address: req.ip ?? 'unknown' };
}
