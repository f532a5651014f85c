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
