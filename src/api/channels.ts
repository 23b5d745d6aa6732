import type { Client } from '@temporalio/client';
import { Router } from 'express';
import { pageQuerySchema } from '../services/paging/pages';
import {
  adminMessageSchema,
  createChannelSchema,
  deliveriesQuerySchema,
  deliveryParamsSchema,
  patchChannelSchema,
  redeliverSinceSchema,
  sessionsQuerySchema,
  userParamsSchema,
} from '../schemas/management';
import { getDelivery, listDeliveries, redeliverFailedSince, redeliverOne } from '../services/channels/deliveries';
import { createChannel } from '../services/channels/channels';
import { eraseUser } from '../services/sessions/erase-user';
import { getChannel, listChannels, patchChannel, requestExample, rotateWebhookSecret, testWebhook } from '../services/channels/admin';
import { deleteChannel } from '../services/sessions/delete-channel';
import { getSession, listSessions, resumeSession, sendAdminMessage } from '../services/sessions/sessions';
import type { SessionSettings } from '../temporal/sessions';
import type { SendOptions } from '../webhooks/send';
import type { PageTokens } from '../services/paging/page-tokens';
import { adminOf, adminRoleOnly, requireAdmin } from './auth';
import { parseOrThrow } from '../schemas/parse';

/**
 * /v1/channels: the API channels of the admin's account, their webhook checks and their users' sessions. An agent
 * key may call the four session routes (no `adminRoleOnly`): read sessions, write to a user, resume a user.
 */
export function channelsRouter(temporal: Client, webhooks: SendOptions, sessions: SessionSettings, publicUrl: string, pageTokens: PageTokens): Router {
  const router = Router();
  const one = '/v1/channels/:channelID';
  router.use('/v1/channels', requireAdmin);
  router.post('/v1/channels', adminRoleOnly, async (req, res) => {
    res.status(201).json(await createChannel(adminOf(res), parseOrThrow(createChannelSchema, req.body), webhooks));
  });
  router.get('/v1/channels', adminRoleOnly, async (req, res) => {
    res.json(await listChannels(adminOf(res), parseOrThrow(pageQuerySchema, req.query)));
  });
  router.get(one, adminRoleOnly, async (req, res) => {
    res.json(await getChannel(adminOf(res), req.params.channelID));
  });
  router.patch(one, adminRoleOnly, async (req, res) => {
    res.json(await patchChannel(temporal, webhooks, adminOf(res), req.params.channelID, parseOrThrow(patchChannelSchema, req.body)));
  });
  router.delete(one, adminRoleOnly, async (req, res) => {
    res.json(await deleteChannel(temporal, adminOf(res), req.params.channelID));
  });
  router.post(`${one}/rotate-secret`, adminRoleOnly, async (req, res) => {
    res.json(await rotateWebhookSecret(adminOf(res), req.params.channelID));
  });
  router.post(`${one}/test-webhook`, adminRoleOnly, async (req, res) => {
    res.json(await testWebhook(adminOf(res), req.params.channelID, webhooks));
  });
  router.get(`${one}/request-example`, adminRoleOnly, async (req, res) => {
    // PUBLIC_URL, not the Host header: a request must not choose the URL the example tells integrators to call.
    res.json(await requestExample(adminOf(res), req.params.channelID, publicUrl));
  });
  router.delete(`${one}/users/:userID`, adminRoleOnly, async (req, res) => {
    const { channelID, userID } = parseOrThrow(userParamsSchema, req.params);
    res.json(await eraseUser(temporal, sessions, adminOf(res), channelID, userID));
  });
  router.get(`${one}/users/:userID/session`, async (req, res) => {
    const { channelID, userID } = parseOrThrow(userParamsSchema, req.params);
    res.json(await getSession(temporal, adminOf(res), channelID, userID));
  });
  router.get(`${one}/sessions`, async (req, res) => {
    const query = parseOrThrow(sessionsQuerySchema, req.query);
    res.json(await listSessions(temporal, pageTokens, adminOf(res), req.params.channelID, query));
  });
  router.post(`${one}/users/:userID/messages`, async (req, res) => {
    const { channelID, userID } = parseOrThrow(userParamsSchema, req.params);
    const input = parseOrThrow(adminMessageSchema, req.body);
    res.status(202).json(await sendAdminMessage(temporal, sessions, adminOf(res), channelID, userID, input, publicUrl));
  });
  router.post(`${one}/users/:userID/resume`, async (req, res) => {
    const { channelID, userID } = parseOrThrow(userParamsSchema, req.params);
    await resumeSession(temporal, adminOf(res), channelID, userID);
    res.status(202).json({ resumed: true });
  });
  router.get(`${one}/deliveries`, adminRoleOnly, async (req, res) => {
    res.json(await listDeliveries(adminOf(res), req.params.channelID, parseOrThrow(deliveriesQuerySchema, req.query)));
  });
  router.post(`${one}/deliveries/redeliver`, adminRoleOnly, async (req, res) => {
    const { since } = parseOrThrow(redeliverSinceSchema, req.body);
    res.status(202).json(await redeliverFailedSince(temporal, sessions, adminOf(res), req.params.channelID, since));
  });
  router.get(`${one}/deliveries/:webhookId`, adminRoleOnly, async (req, res) => {
    const { channelID, webhookId } = parseOrThrow(deliveryParamsSchema, req.params);
    res.json(await getDelivery(adminOf(res), channelID, webhookId));
  });
  router.post(`${one}/deliveries/:webhookId/redeliver`, adminRoleOnly, async (req, res) => {
    const { channelID, webhookId } = parseOrThrow(deliveryParamsSchema, req.params);
    res.status(202).json(await redeliverOne(temporal, sessions, adminOf(res), channelID, webhookId));
  });
  return router;
}
