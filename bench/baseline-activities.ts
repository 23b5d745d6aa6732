/** The baseline's only side effect: an unsigned JSON POST to the same receiver Parley's webhooks go to. */
export function createBaselineActivities(receiverUrl: string) {
  return {
    async postToReceiver(text: string): Promise<void> {
      const response = await fetch(receiverUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message: text }),
        signal: AbortSignal.timeout(15_000),
      });
      if (!response.ok) throw new Error(`receiver answered ${response.status}`);
    },
  };
}
