// The baseline of the load benchmark: the least a Worker in front of AI Gateway does, forward the
// body to one provider with its key, and hand the answer back as it comes.
export default {
  async fetch(request, env) {
    return fetch(`${env.AI_GATEWAY_BASE_URL}/openai/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${env.OPENAI_API_KEY}` },
      body: request.body,
    });
  },
};
