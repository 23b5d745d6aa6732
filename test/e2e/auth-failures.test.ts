import assert from 'node:assert/strict';
import { AUTH_FAILURE_BUDGETS } from '../../src/plans';
import { rateLimitSettings } from '../../src/services/limits/rate-limits';
import { channelWithBot, type ChannelFixture } from '../helpers/fixtures';
import { useStackWithReceiver } from '../helpers/stack';

describe('failed token checks are budgeted per channelID, per address and per pair (real API, Redis)', function () {
  this.timeout(60_000);
  // The production bursts (other suites raise them out of reach), refilled slowly enough that no token comes back
  // while a test runs, however slow the machine: the counts below are exact. One proxy hop is believed, so each
  // client can be given its own address.
  const slow = (burst: number) => ({ perSecond: 0.001, burst });
  const { channel: CHANNEL, address: ADDRESS, pair: PAIR } = AUTH_FAILURE_BUDGETS;
  const authFailures = { channel: slow(CHANNEL.burst), address: slow(ADDRESS.burst), pair: slow(PAIR.burst) };
  const suite = useStackWithReceiver({ rateLimits: { ...rateLimitSettings(), authFailures }, trustProxyHops: 1 });

  async function post(from: string, channel: { channelID: string; token: string }, message = 'hi') {
    const response = await fetch(`${suite.stack.baseUrl}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
      body: JSON.stringify({ channelID: channel.channelID, token: channel.token, message }),
    });
    const body = (await response.json()) as { error?: { code: string } };
    return { status: response.status, code: body.error?.code, retryAfter: response.headers.get('retry-after') };
  }
  const wrong = (channel: ChannelFixture) => ({ channelID: channel.channelID, token: `${channel.token}-guess` });
  let subnet = 0;
  const addresses = (n: number) => {
    subnet += 1;
    return Array.from({ length: n }, (_, i) => `10.${subnet}.${Math.floor(i / 250)}.${(i % 250) + 1}`);
  };

  it(`gives a guesser ${PAIR.burst} tries at a channel, then refuses even its right token; the integrator keeps going`, async () => {
    const channel = await channelWithBot(suite.receiver.url);
    const [integrator, guesser] = addresses(2) as [string, string];
    assert.equal((await post(integrator, channel)).status, 200);
    const guesses = [];
    for (let i = 0; i < PAIR.burst + 2; i++) guesses.push(await post(guesser, wrong(channel)));
    assert.deepEqual(guesses.map((g) => g.status), [...Array(PAIR.burst).fill(401), 429, 429]);
    assert.equal(guesses.at(-1)!.code, 'too_many_failed_attempts');
    assert.equal(guesses.at(-1)!.retryAfter, String(Math.ceil(1 / authFailures.pair.perSecond)), 'the pair\'s bucket blocks it: its next token');
    const rightGuess = await post(guesser, channel);
    assert.deepEqual([rightGuess.status, rightGuess.code], [429, 'too_many_failed_attempts'], 'a right guess is not told apart');
    assert.equal((await post(integrator, channel)).status, 200);
  });

  it(`closes a channel to new addresses after ${CHANNEL.burst} failures from anywhere, not to those that have authenticated`, async () => {
    const channel = await channelWithBot(suite.receiver.url);
    const [integrator, newcomer, ...guessers] = addresses(CHANNEL.burst + 4);
    assert.equal((await post(integrator!, channel)).status, 200);
    const answers = await Promise.all(guessers.map((from) => post(from, wrong(channel))));
    assert.equal(answers.filter((a) => a.status === 401).length, CHANNEL.burst, 'one try each until the channel\'s budget is spent');
    assert.ok(answers.filter((a) => a.status === 429).every((a) => a.code === 'too_many_failed_attempts'));
    assert.deepEqual([(await post(newcomer!, channel)).status, (await post(integrator!, channel)).status], [429, 200]);
  });

  it(`does not throttle a good client behind a NAT whose other users guess at ${ADDRESS.burst}+ channels`, async () => {
    const [good, fresh] = [await channelWithBot(suite.receiver.url), await channelWithBot(suite.receiver.url)];
    const [nat] = addresses(1) as [string];
    assert.equal((await post(nat, good)).status, 200);
    const answers = [];
    for (let i = 0; i < ADDRESS.burst + 2; i++) answers.push(await post(nat, { channelID: `no-such-${subnet}-${i}`, token: 'x'.repeat(32) }));
    assert.deepEqual(answers.slice(-3).map((a) => a.status), [401, 429, 429]);
    assert.equal((await post(nat, good)).status, 200, 'the pair has authenticated: still checked, still accepted');
    assert.equal((await post(nat, fresh)).status, 429, 'a channel first used from this address while it is blocked waits');
  });

  it(`refuses a known pair after ${PAIR.burst} failures of its own, its right token included`, async () => {
    const channel = await channelWithBot(suite.receiver.url);
    const [shared] = addresses(1) as [string];
    assert.equal((await post(shared, channel)).status, 200);
    const answers = [];
    for (let i = 0; i < PAIR.burst + 1; i++) answers.push((await post(shared, wrong(channel))).status);
    assert.deepEqual(answers, [...Array(PAIR.burst).fill(401), 429]);
    assert.equal((await post(shared, channel)).status, 429);
  });
});
