// Small HTTP helpers shared by the Worker's routes: OpenAI-shaped JSON errors and JSON answers.

/** An OpenAI-shaped error answer: {"error":{"message","type","param","code"}}. */
export function errorResponse(status, message, { type = "invalid_request_error", code = null, param = null, headers = {} } = {}) {
  return jsonResponse(status, { error: { message, type, param, code } }, headers);
}

/** The core reports errors with their HTTP status inside; answer them as OpenAI errors. */
export function coreErrorResponse(error) {
  const { http_status: status = 500, problems, ...fields } = error;
  const body = { error: { message: fields.message, type: fields.type, param: fields.param ?? null, code: fields.code ?? null } };
  if (problems) body.error.problems = problems;
  return jsonResponse(status, body);
}

/**
 * Reads a JSON request body under `limit` bytes: {body} (the bytes), or {refused} (415 for another
 * content type, 413 past the limit, checked on the declared length before reading when it is given).
 */
export async function readJsonBody(request, limit) {
  const contentType = request.headers.get("content-type");
  if (contentType !== null && !/^application\/json\s*(;|$)/i.test(contentType)) {
    return { refused: errorResponse(415, "send the request as JSON with Content-Type: application/json", { code: "unsupported_media_type" }) };
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) return { refused: tooLarge(declared, limit) };
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.length > limit) return { refused: tooLarge(body.length, limit) };
  return { body };
}

export function jsonResponse(status, value, headers = {}) {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** Integer micro-dollars as a decimal USD string: 1234567 -> "1.234567". */
export function formatUsd(micro) {
  const sign = micro < 0 ? "-" : "";
  const abs = Math.abs(micro);
  return `${sign}${Math.floor(abs / 1e6)}.${String(abs % 1e6).padStart(6, "0")}`;
}

function tooLarge(size, limit) {
  return errorResponse(413, `the request body is ${size} bytes; the limit (max_body_bytes) is ${limit}`, { code: "request_too_large" });
}
